//! POST /api/console/marquees: a new marquee notice.

use gpet::operations::{self, Marquee, MarqueeDraft};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    post,
    path = "/api/console/marquees",
    tag = "console",
    request_body(content = MarqueeDraft, example = json!({"text": "欢迎来到群宠！邀请好友一起养群，师徒收益天天到账。", "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2030-12-31T16:00:00Z"})),
    responses(
        (status = 200, body = Envelope<Marquee>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Marquee> {
    let by = http::operator(ctx, &req).await?;
    operations::save_marquee(ctx, &by, None, http::json_body(&req, 4096)?).await
}
