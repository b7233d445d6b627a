//! POST /api/console/settlements/{day}/run: starts or continues (harmlessly) the settlement of a day; answers after at most ~25 s, `running` while steps remain (call again).

use std::time::Duration;

use gpet::settlement::{self, SettlementRun};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth, mail);

#[utoipa::path(
    post,
    path = "/api/console/settlements/{day}/run",
    tag = "console",
    params(
        ("day" = String, Path, description = "YYYY-MM-DD", example = "2026-11-30"),
    ),
    responses(
        (status = 200, body = Envelope<SettlementRun>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<SettlementRun> {
    let by = http::operator(ctx, &req).await?;
    settlement::console_run(ctx, &by, http::path_day(&req, "day")?, Duration::from_secs(25)).await
}
