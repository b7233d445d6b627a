//! POST /api/console/short-links: shortens a URL (the same URL within the window gets its code back).

use gpet::short_links::{self, NewShortLink, ShortLink};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    post,
    path = "/api/console/short-links",
    tag = "console",
    request_body(content = NewShortLink, example = json!({"url": "https://example.com/activity/double12"})),
    responses(
        (status = 200, body = Envelope<ShortLink>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<ShortLink> {
    let by = http::operator(ctx, &req).await?;
    short_links::create(ctx, &by, http::json_body(&req, 8192)?).await
}
