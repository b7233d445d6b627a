//! GET /api/console/settlements/{day}: one day's settlement run: state, progress and totals.

use gpet::settlement::{self, SettlementRun};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/console/settlements/{day}", tag = "console", params(("day" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = Envelope<SettlementRun>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not"), (status = 404, description = "1404 not found")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            by.require(gpet::operators::FINANCE)?;
            settlement::get(ctx, http::path_day(&req, "day")?).await
        }
        .await,
    )
}
