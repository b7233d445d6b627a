//! POST /api/console/users/{id}/unfreeze: unfreezes a user.

use gpet::users::{self, FreezeRequest, UserDetail};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    post,
    path = "/api/console/users/{id}/unfreeze",
    tag = "console",
    params(
        ("id" = i64, Path, example = 1),
    ),
    request_body(content = Option<FreezeRequest>, example = json!({})),
    responses(
        (status = 200, body = Envelope<UserDetail>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<UserDetail> {
    let by = http::operator(ctx, &req).await?;
    let request: FreezeRequest = http::optional_json_body(&req, 4096)?;
    users::set_frozen(&mut ctx.db()?.client().await?, &by, http::path_id(&req, "id")?, false, request).await
}
