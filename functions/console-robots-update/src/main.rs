//! PUT /api/console/robots/{id}: edits a robot: nickname, QR code, capacity, enabled.

use gpet::robots::{self, Robot, RobotChange};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    put,
    path = "/api/console/robots/{id}",
    tag = "console",
    params(
        ("id" = i64, Path, example = 1),
    ),
    request_body(content = RobotChange, example = json!({"nickname": "小宠一号", "capacity": 300, "enabled": true})),
    responses(
        (status = 200, body = Envelope<Robot>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Robot> {
    let by = http::operator(ctx, &req).await?;
    let change: RobotChange = http::json_body(&req, http::BODY_LIMIT)?;
    robots::update(ctx, &by, http::path_id(&req, "id")?, change).await
}
