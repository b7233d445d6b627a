//! POST /api/robots/assign: robots offered to this owner, each with its QR code and a pairing code.

use gpet::robots::{self, Offers};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/robots/assign",
    tag = "h5",
    responses(
        (status = 200, body = Envelope<Offers>),
        (status = 403, description = "1403 a frozen or snapshot (guest) user gets no robot"),
        (status = 422, description = "1600 no robot left today; 2001 phone missing"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Offers> {
    let me = http::owner(ctx, &req).await?;
    robots::assign(ctx, me.user_id).await
}
