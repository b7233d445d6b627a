//! GET /api/console/ledger/audit: the latest ledger invariant check, and the last 30.

use gpet::ledger::{self, AuditReport};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/console/ledger/audit", tag = "console",
    responses((status = 200, body = Envelope<AuditReport>), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            by.require(gpet::operators::FINANCE)?;
            ledger::audits(ctx).await
        }
        .await,
    )
}
