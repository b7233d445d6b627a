//! GET /api/account: the owner's balance, held money, today's (unsettled) and total income, the last 15 days of income, and the withdrawal rules that apply to them.

use gpet::account::{self, AccountSummary};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/account", tag = "h5",
    responses((status = 200, body = Envelope<AccountSummary>), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            account::summary(ctx, me.user_id).await
        }
        .await,
    )
}
