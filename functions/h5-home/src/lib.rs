//! GET /api/home: live marquee notices and today's summary.

use gpet::operations::{self, Home};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/home", tag = "h5",
    responses((status = 200, body = Envelope<Home>), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            operations::home(ctx, me.user_id).await
        }
        .await,
    )
}
