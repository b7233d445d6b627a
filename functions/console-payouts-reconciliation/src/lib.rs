//! GET /api/console/payouts/reconciliation/{day}: a day's payouts against WeChat Pay's records (the
//! day's fund-flow bill and the per-bill query), every difference listed.

use gpet::payouts::{self, Reconciliation};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, pay: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/console/payouts/reconciliation/{day}", tag = "console", params(("day" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = Envelope<Reconciliation>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not"), (status = 502, description = "1101 WeChat Pay's bill of the day could not be had: `msg` says why in Chinese, `data` is {reason: not_ready | not_found | refused | unavailable | foreign_host | hash_mismatch | malformed, day}")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            payouts::reconciliation(ctx, &by, http::path_day(&req, "day")?).await
        }
        .await,
    )
}
