//! PUT /api/console/campaigns/{id}: edits a campaign that has not started.

use gpet::campaigns::{self, Campaign, CampaignInput};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    put,
    path = "/api/console/campaigns/{id}",
    tag = "console",
    params(
        ("id" = i64, Path, example = 1),
    ),
    request_body(content = CampaignInput, example = json!({"name": "萌宠体检推广", "content": {"kind": "miniprogram", "title": "萌宠体检 9.9 元", "appid": "wx0123456789abcdef", "pagepath": "pages/checkup/index"}, "min_stars": 3, "starts_at": "2030-01-02T10:00:00+08:00"})),
    responses(
        (status = 200, body = Envelope<Campaign>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Campaign> {
    let by = http::operator(ctx, &req).await?;
    let input: CampaignInput = http::json_body(&req, http::BODY_LIMIT)?;
    campaigns::update(ctx, &by, http::path_id(&req, "id")?, input).await
}
