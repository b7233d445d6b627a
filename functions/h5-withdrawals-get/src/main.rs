//! GET /api/withdrawals/{id}: one of the owner's withdrawals, with what the user must confirm in WeChat.

use gpet::withdrawals::{self, Withdrawal};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth, merchant);

#[utoipa::path(
    get,
    path = "/api/withdrawals/{id}",
    tag = "h5",
    params(
        ("id" = i64, Path, example = 1),
    ),
    responses(
        (status = 200, body = Envelope<Withdrawal>),
        (status = 404, description = "1404 not found"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Withdrawal> {
    let me = http::owner(ctx, &req).await?;
    withdrawals::get(ctx, me.user_id, http::path_id(&req, "id")?).await
}
