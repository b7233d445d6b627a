//! POST /api/console/dead-letters/{id}/redrive: sends a dead letter back to the queue it came from.

use gpet::dead_letters::{self, DeadLetter};
use gpet::queue::Queue;
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth, sends = &[Queue::TrackingEvents, Queue::RobotEvents, Queue::Payouts]);

#[utoipa::path(
    post,
    path = "/api/console/dead-letters/{id}/redrive",
    tag = "console",
    params(
        ("id" = i64, Path, example = 1),
    ),
    responses(
        (status = 200, body = Envelope<DeadLetter>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<DeadLetter> {
    let by = http::operator(ctx, &req).await?;
    dead_letters::redrive(ctx, &by, http::path_id(&req, "id")?).await
}
