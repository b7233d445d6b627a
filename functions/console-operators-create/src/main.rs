//! POST /api/console/operators: adds an operator (admin only).

use gpet::operators::{self, NewOperator, OperatorRow};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    post,
    path = "/api/console/operators",
    tag = "console",
    request_body(content = NewOperator, example = json!({"username": "yunying", "password": "a-strong-password-8", "role": "operator"})),
    responses(
        (status = 200, body = Envelope<OperatorRow>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<OperatorRow> {
    let by = http::operator(ctx, &req).await?;
    operators::add(&mut ctx.db()?.client().await?, &by, http::json_body(&req, 4096)?).await
}
