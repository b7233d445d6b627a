//! POST /api/console/short-links: shortens a URL (the same URL within the window gets its code back).

use gpet::short_links::{self, NewShortLink, ShortLink};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/console/short-links", tag = "console",
    request_body = NewShortLink, responses((status = 200, body = Envelope<ShortLink>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            short_links::create(ctx, &by, http::json_body(&req, 8192)?).await
        }
        .await,
    )
}
