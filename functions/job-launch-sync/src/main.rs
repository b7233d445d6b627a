//! launch-sync (hourly): every active group's launch switch; the robot leaves groups whose switch is off.

use gpet::groups;
use gpet::{Ctx, Deadline};

gpet_lambda::function!(job; db, robot, launch);

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<groups::LaunchReport> {
    groups::sync_launch(ctx, deadline).await
}
