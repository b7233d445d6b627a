//! GET /api/console/ledger/audit: the latest ledger invariant check, and the last 30.

use gpet::ledger::{self, AuditReport};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/ledger/audit",
    tag = "console",
    responses(
        (status = 200, body = Envelope<AuditReport>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<AuditReport> {
    let by = http::operator(ctx, &req).await?;
    ledger::audits(ctx, &by).await
}
