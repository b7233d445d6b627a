//! ledger-audit (03:00): checks every ledger invariant, stores the result, mails when one fails.

use gpet::ledger;
use gpet::{Ctx, Deadline};

gpet_lambda::function!(job; db, mail);

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<ledger::Audit> {
    ledger::audit(ctx, deadline).await
}
