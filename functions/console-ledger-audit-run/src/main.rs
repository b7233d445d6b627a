//! POST /api/console/ledger/audit/run: checks the ledger now (finance, admins) rather than at the
//! nightly job's 03:00; answers the audits as GET /api/console/ledger/audit does.

use std::time::Duration;

use gpet::ledger::{self, AuditReport};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth, mail);

#[utoipa::path(
    post,
    path = "/api/console/ledger/audit/run",
    tag = "console",
    responses(
        (status = 200, body = Envelope<AuditReport>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<AuditReport> {
    let by = http::operator(ctx, &req).await?;
    ledger::console_audit(ctx, &by, Duration::from_secs(25)).await
}
