//! POST /api/withdrawals: withdraws `amount_fen` to the WeChat wallet: 1200 once the money is held; the payout follows.

use gpet::config::QueueSet;
use gpet::queue::Queue;
use gpet::withdrawals::{self, NewWithdrawal, Withdrawal};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs =
        Needs { db: true, cache: true, auth: true, sends: QueueSet::of(&[Queue::Payouts]), ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/withdrawals", tag = "h5", request_body = NewWithdrawal,
    responses((status = 200, body = Envelope<Withdrawal>), (status = 400, description = "1403 with what was wrong"), (status = 422, description = "2001 phone missing, 2002 identity missing, 3002 insufficient balance, 3004 frozen"), (status = 409, description = "3003 already withdrawn today"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            let new: NewWithdrawal = http::json_body(&req, http::BODY_LIMIT)?;
            withdrawals::request(ctx, me.user_id, &new).await
        }
        .await,
    )
}
