//! PUT /api/console/operators/{id}: changes a role, disables or enables, resets a password (admin only).

use gpet::operators::{self, OperatorChange, OperatorRow};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    put,
    path = "/api/console/operators/{id}",
    tag = "console",
    params(
        ("id" = i64, Path, example = 2),
    ),
    request_body(content = OperatorChange, example = json!({"role": "finance"})),
    responses(
        (status = 200, body = Envelope<OperatorRow>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<OperatorRow> {
    let by = http::operator(ctx, &req).await?;
    let id = http::path_id(&req, "id")?;
    operators::change(&mut ctx.db()?.client().await?, &by, id, http::json_body(&req, 4096)?).await
}
