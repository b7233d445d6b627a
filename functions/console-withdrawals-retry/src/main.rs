//! POST /api/console/withdrawals/{id}/retry: retries a failed payout: the money is held again and paid under a new order number.

use gpet::queue::Queue;
use gpet::withdrawals::{self, Withdrawal};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth, sends = &[Queue::Payouts]);

#[utoipa::path(
    post,
    path = "/api/console/withdrawals/{id}/retry",
    tag = "console",
    params(
        ("id" = i64, Path, example = 2),
    ),
    responses(
        (status = 200, body = Envelope<Withdrawal>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
        (status = 422, description = "3002 insufficient balance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Withdrawal> {
    let by = http::operator(ctx, &req).await?;
    withdrawals::retry(ctx, &by, http::path_id(&req, "id")?).await
}
