//! PUT /api/console/distribution: changes the distribution strategy (releases, amount, display rate).

use gpet::robots::{self, Distribution};
use gpet::settings::DistributionSettings;
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(put, path = "/api/console/distribution", tag = "console", request_body = DistributionSettings,
    responses((status = 200, body = Envelope<Distribution>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            let strategy: DistributionSettings = http::json_body(&req, http::BODY_LIMIT)?;
            robots::set_distribution(ctx, &by, strategy).await
        }
        .await,
    )
}
