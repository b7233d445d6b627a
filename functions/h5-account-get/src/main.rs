//! GET /api/account: the owner's balance, held money, today's (unsettled) and total income, the last 15 days of income, and the withdrawal rules that apply to them.

use gpet::account::{self, AccountSummary};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/account",
    tag = "h5",
    responses(
        (status = 200, body = Envelope<AccountSummary>),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<AccountSummary> {
    let me = http::owner(ctx, &req).await?;
    account::summary(ctx, me.user_id).await
}
