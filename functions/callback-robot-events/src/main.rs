//! POST /api/callbacks/robot-events: robot platform events, signed (HMAC-SHA256 of `timestamp.body`); each is put on the robot-events queue.

use gpet::queue::Queue;
use gpet::robot_events::{self, Accepted};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; sends = &[Queue::RobotEvents], robot);

/// Up to 100 events of at most a few KiB each.
const BODY_LIMIT: usize = 1024 * 1024;

#[utoipa::path(
    post,
    path = "/api/callbacks/robot-events",
    tag = "callbacks",
    responses(
        (status = 200, body = Envelope<Accepted>),
        (status = 400, description = "1403 malformed events"),
        (status = 401, description = "1401 missing, wrong or stale signature"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Accepted> {
    let body: &[u8] = req.body().as_ref();
    if body.len() > BODY_LIMIT {
        return Err(gpet::Error::bad_request("请求体过大").with_status(413));
    }
    robot_events::accept(ctx, http::header(&req, "x-robot-timestamp"), http::header(&req, "x-robot-signature"), body)
        .await
}
