//! GET /api/robots/offers: the owner's live robot offers and what came of each (paired, groups
//! joined), so that the robot page shows them again and follows them.

use gpet::robots::{self, Offers};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/robots/offers",
    tag = "h5",
    responses(
        (status = 200, body = Envelope<Offers>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Offers> {
    let me = http::owner(ctx, &req).await?;
    robots::offers(ctx, me.user_id).await
}
