//! GET /api/home: live marquee notices and today's summary.

use gpet::operations::{self, Home};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/home",
    tag = "h5",
    responses(
        (status = 200, body = Envelope<Home>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Home> {
    let me = http::owner(ctx, &req).await?;
    operations::home(ctx, me.user_id).await
}
