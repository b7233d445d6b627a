//! POST /api/console/short-links/{id}/disable: disables a short link for good.

use gpet::short_links::{self, ShortLink};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/console/short-links/{id}/disable",
    tag = "console",
    params(
        ("id" = i64, Path, example = 1),
    ),
    responses(
        (status = 200, body = Envelope<ShortLink>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<ShortLink> {
    let by = http::operator(ctx, &req).await?;
    short_links::disable(ctx, &by, http::path_id(&req, "id")?).await
}
