//! PUT /api/console/distribution: changes the distribution strategy (releases, amount, display rate).

use gpet::robots::{self, Distribution};
use gpet::settings::DistributionSettings;
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    put,
    path = "/api/console/distribution",
    tag = "console",
    request_body(content = DistributionSettings, example = json!({"releases": [{"at": "00:00", "share_pct": 100}], "amount": 1, "display_rate": 3})),
    responses(
        (status = 200, body = Envelope<Distribution>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Distribution> {
    let by = http::operator(ctx, &req).await?;
    let strategy: DistributionSettings = http::json_body(&req, http::BODY_LIMIT)?;
    robots::set_distribution(ctx, &by, strategy).await
}
