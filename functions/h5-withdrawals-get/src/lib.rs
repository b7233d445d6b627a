//! GET /api/withdrawals/{id}: one of the owner's withdrawals, with what the user must confirm in WeChat.

use gpet::withdrawals::{self, Withdrawal};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, merchant: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/withdrawals/{id}", tag = "h5", params(("id" = i64, Path)),
    responses((status = 200, body = Envelope<Withdrawal>), (status = 404, description = "1404 not found"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            withdrawals::get(ctx, me.user_id, http::path_id(&req, "id")?).await
        }
        .await,
    )
}
