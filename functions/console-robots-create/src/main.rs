//! POST /api/console/robots: registers a robot (it can be offered the same day).

use gpet::robots::{self, NewRobot, Robot};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/console/robots",
    tag = "console",
    request_body(content = NewRobot, example = json!({"platform_id": "demo-5", "wxid": "wxid_demo_robot_5", "nickname": "小宠五号", "qr_code_url": "https://qr.example.cn/wxid_demo_robot_5.png", "capacity": 200, "enabled": true})),
    responses(
        (status = 200, body = Envelope<Robot>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 409, description = "2004 platform id or WeChat id taken"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Robot> {
    let by = http::operator(ctx, &req).await?;
    let new: NewRobot = http::json_body(&req, http::BODY_LIMIT)?;
    robots::create(ctx, &by, new).await
}
