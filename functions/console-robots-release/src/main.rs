//! POST /api/console/robots/{id}/release: ends a robot's quarantine.

use gpet::robots::{self, Robot};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/console/robots/{id}/release",
    tag = "console",
    params(
        ("id" = i64, Path, example = 2),
    ),
    responses(
        (status = 200, body = Envelope<Robot>),
        (status = 400, description = "1403: not quarantined"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Robot> {
    let by = http::operator(ctx, &req).await?;
    robots::release(ctx, &by, http::path_id(&req, "id")?).await
}
