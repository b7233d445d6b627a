//! PUT /api/console/marquees/{id}: changes a marquee notice.

use gpet::operations::{self, Marquee, MarqueeDraft};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    put,
    path = "/api/console/marquees/{id}",
    tag = "console",
    params(
        ("id" = i64, Path, example = 1),
    ),
    request_body(content = MarqueeDraft, example = json!({"text": "本周六 02:00–04:00 系统升级，期间结算顺延，收益不受影响。", "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2030-12-31T16:00:00Z"})),
    responses(
        (status = 200, body = Envelope<Marquee>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Marquee> {
    let by = http::operator(ctx, &req).await?;
    let id = http::path_id(&req, "id")?;
    operations::save_marquee(ctx, &by, Some(id), http::json_body(&req, 4096)?).await
}
