//! GET /api/console/operators: operators and their roles (admin only).

use gpet::operators::{self, OperatorList};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/console/operators", tag = "console",
    responses((status = 200, body = Envelope<OperatorList>), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            operators::list(&ctx.db()?.client().await?, &by).await
        }
        .await,
    )
}
