//! POST /api/callbacks/ad-click: ad-click income from the ad system: MD5-signed parameters (form or query), timestamp within 5 minutes, each `trans_id` recorded once.

use gpet::ads::{self, Credited};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, ads);

#[utoipa::path(
    post,
    path = "/api/callbacks/ad-click",
    tag = "callbacks",
    responses(
        (status = 200, body = Envelope<Credited>),
        (status = 400, description = "1403 missing or bad parameters"),
        (status = 401, description = "1403 bad signature or stale timestamp"),
        (status = 404, description = "1404 unknown group"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Credited> {
    ads::click(ctx, &http::form_params(&req)?).await
}
