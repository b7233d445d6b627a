//! group-rating (00:30): yesterday's stars of every active group; groups without sessions are cancelled.

use gpet::groups;
use gpet::{Ctx, Deadline};

gpet_lambda::function!(job; db, robot);

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<groups::RatingReport> {
    groups::rate(ctx, deadline).await
}
