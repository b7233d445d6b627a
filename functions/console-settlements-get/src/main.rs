//! GET /api/console/settlements/{day}: one day's settlement run: state, progress and totals.

use gpet::settlement::{self, SettlementRun};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/settlements/{day}",
    tag = "console",
    params(
        ("day" = String, Path, description = "YYYY-MM-DD", example = "2026-11-30"),
    ),
    responses(
        (status = 200, body = Envelope<SettlementRun>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<SettlementRun> {
    let by = http::operator(ctx, &req).await?;
    settlement::get(ctx, &by, http::path_day(&req, "day")?).await
}
