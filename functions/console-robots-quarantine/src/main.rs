//! POST /api/console/robots/{id}/quarantine: keeps a robot out of use (not offered, not sending), with a reason.

use gpet::health::Quarantine;
use gpet::robots::{self, Robot};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/console/robots/{id}/quarantine",
    tag = "console",
    params(
        ("id" = i64, Path, example = 2),
    ),
    request_body(content = Quarantine, example = json!({"reason": "疑似被限制，人工检查中"})),
    responses(
        (status = 200, body = Envelope<Robot>),
        (status = 400, description = "1403 with what was wrong (already quarantined)"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Robot> {
    let by = http::operator(ctx, &req).await?;
    let request: Quarantine = http::json_body(&req, http::BODY_LIMIT)?;
    robots::quarantine(ctx, &by, http::path_id(&req, "id")?, request).await
}
