//! GET /api/referral: the invite link (a short link), the master and the apprentices.

use gpet::referral::{self, Referral};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/referral",
    tag = "h5",
    responses(
        (status = 200, body = Envelope<Referral>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Referral> {
    let me = http::owner(ctx, &req).await?;
    referral::referral(ctx, me.user_id).await
}
