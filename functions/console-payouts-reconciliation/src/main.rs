//! GET /api/console/payouts/reconciliation/{day}: a day's payouts against WeChat Pay's records (the
//! day's fund-flow bill and the per-bill query), every difference listed.

use gpet::payouts::{self, Reconciliation};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth, pay);

#[utoipa::path(
    get,
    path = "/api/console/payouts/reconciliation/{day}",
    tag = "console",
    params(
        ("day" = String, Path, description = "YYYY-MM-DD", example = "2026-11-30"),
    ),
    responses(
        (status = 200, body = Envelope<Reconciliation>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 502, description = "1101 WeChat Pay's bill of the day could not be had: `msg` says why in Chinese, `data` is {reason: not_ready | not_found | refused | unavailable | foreign_host | hash_mismatch | malformed, day}"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Reconciliation> {
    let by = http::operator(ctx, &req).await?;
    payouts::reconciliation(ctx, &by, http::path_day(&req, "day")?).await
}
