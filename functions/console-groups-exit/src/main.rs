//! POST /api/console/groups/{id}/exit: makes the robot leave a group, with a reason the owner sees.

use gpet::groups::{self, ForceExit, Group};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth, robot);

#[utoipa::path(
    post,
    path = "/api/console/groups/{id}/exit",
    tag = "console",
    params(
        ("id" = i64, Path, example = 3),
    ),
    request_body(content = ForceExit, example = json!({"reason": "群内发布违规广告"})),
    responses(
        (status = 200, body = Envelope<Group>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Group> {
    let by = http::operator(ctx, &req).await?;
    let request: ForceExit = http::json_body(&req, http::BODY_LIMIT)?;
    groups::force_exit(ctx, &by, http::path_id(&req, "id")?, request).await
}
