//! POST /api/track: a batch of tracking events from the H5 app, logged in or not.

use gpet::queue::Queue;
use gpet::tracking::{self, Accepted, MAX_EVENT_BYTES, MAX_EVENTS, TrackBatch};
use gpet::{Ctx, Envelope, sessions};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth, sends = &[Queue::TrackingEvents]);

/// 50 events of at most 4 KiB, and room for the JSON around them.
const BODY_LIMIT: usize = MAX_EVENTS * MAX_EVENT_BYTES + 8 * 1024;

#[utoipa::path(
    post,
    path = "/api/track",
    tag = "h5",
    request_body(content = TrackBatch, example = json!({"events": [{"name": "page_view", "page": "/groups", "props": {"tab": "mine"}, "ts": "2026-11-26T18:35:40.512+08:00"}]})),
    responses(
        (status = 200, body = Envelope<Accepted>),
        (status = 400, description = "1403 with what was wrong"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Accepted> {
    let batch: TrackBatch = http::json_body(&req, BODY_LIMIT)?;
    // Events of a visitor whose token is missing, expired or invalid are kept, anonymous.
    let user_id = sessions::viewer(ctx, http::token(ctx, &req, sessions::COOKIE)?.as_deref()).await?;
    tracking::record_from_h5(ctx, user_id, batch).await
}
