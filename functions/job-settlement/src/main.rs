//! settlement (02:00): credits yesterday (and finishes any unfinished day of the last week).

use gpet::settlement;
use gpet::{Ctx, Deadline};

gpet_lambda::function!(job; db, mail);

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<Vec<settlement::SettlementRun>> {
    settlement::job(ctx, deadline).await
}
