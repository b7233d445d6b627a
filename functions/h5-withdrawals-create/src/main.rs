//! POST /api/withdrawals: withdraws `amount_fen` to the WeChat wallet: 1200 once the money is held; the payout follows.

use gpet::queue::Queue;
use gpet::withdrawals::{self, NewWithdrawal, Withdrawal};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth, sends = &[Queue::Payouts]);

#[utoipa::path(
    post,
    path = "/api/withdrawals",
    tag = "h5",
    request_body(content = NewWithdrawal, example = json!({"amount_fen": 1000})),
    responses(
        (status = 200, body = Envelope<Withdrawal>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 422, description = "2001 phone missing, 2002 identity missing, 3002 insufficient balance, 3004 frozen"),
        (status = 409, description = "3003 already withdrawn today"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Withdrawal> {
    let me = http::owner(ctx, &req).await?;
    let new: NewWithdrawal = http::json_body(&req, http::BODY_LIMIT)?;
    withdrawals::request(ctx, me.user_id, &new).await
}
