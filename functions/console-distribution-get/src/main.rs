//! GET /api/console/distribution: the distribution strategy, and the share released by now.

use gpet::robots::{self, Distribution};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/distribution",
    tag = "console",
    responses(
        (status = 200, body = Envelope<Distribution>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Distribution> {
    http::operator(ctx, &req).await?;
    robots::distribution(ctx).await
}
