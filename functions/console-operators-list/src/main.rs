//! GET /api/console/operators: operators and their roles (admin only).

use gpet::operators::{self, OperatorList};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/operators",
    tag = "console",
    responses(
        (status = 200, body = Envelope<OperatorList>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<OperatorList> {
    let by = http::operator(ctx, &req).await?;
    operators::list(&ctx.db()?.client().await?, &by).await
}
