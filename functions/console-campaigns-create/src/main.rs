//! POST /api/console/campaigns: creates an ad campaign.

use gpet::campaigns::{self, Campaign, CampaignInput};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    post,
    path = "/api/console/campaigns",
    tag = "console",
    request_body(content = CampaignInput, example = json!({"name": "冬季驱虫", "content": {"kind": "text", "text": "【宠物医院】冬季驱虫季，到店立减 30 元"}, "min_stars": 2, "starts_at": "2030-01-01T20:00:00+08:00"})),
    responses(
        (status = 200, body = Envelope<Campaign>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Campaign> {
    let by = http::operator(ctx, &req).await?;
    let input: CampaignInput = http::json_body(&req, http::BODY_LIMIT)?;
    campaigns::create(ctx, &by, input).await
}
