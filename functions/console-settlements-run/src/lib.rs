//! POST /api/console/settlements/{day}/run: starts or continues (harmlessly) the settlement of a day; answers after at most ~25 s, `running` while steps remain (call again).

use std::time::Duration;

use gpet::settlement::{self, SettlementRun};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, mail: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/console/settlements/{day}/run", tag = "console", params(("day" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = Envelope<SettlementRun>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            by.require(gpet::operators::FINANCE)?;
            settlement::run(ctx, http::path_day(&req, "day")?, Duration::from_secs(25)).await
        }
        .await,
    )
}
