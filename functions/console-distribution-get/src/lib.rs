//! GET /api/console/distribution: the distribution strategy, and the share released by now.

use gpet::robots::{self, Distribution};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/console/distribution", tag = "console",
    responses((status = 200, body = Envelope<Distribution>), (status = 401, description = "1401 not logged in, 1406 token expired")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            http::operator(ctx, &req).await?;
            robots::distribution(ctx).await
        }
        .await,
    )
}
