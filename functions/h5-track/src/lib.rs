//! POST /api/track: a batch of tracking events from the H5 app, logged in or not.

use gpet::config::QueueSet;
use gpet::queue::Queue;
use gpet::tracking::{self, Accepted, MAX_EVENT_BYTES, MAX_EVENTS, TrackBatch};
use gpet::{Ctx, Envelope, Needs, Uses, sessions};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs =
        Needs { db: true, cache: true, auth: true, sends: QueueSet::of(&[Queue::TrackingEvents]), ..Needs::NONE };
}

/// 50 events of at most 4 KiB, and room for the JSON around them.
const BODY_LIMIT: usize = MAX_EVENTS * MAX_EVENT_BYTES + 8 * 1024;

#[utoipa::path(post, path = "/api/track", tag = "h5", request_body = TrackBatch,
    responses((status = 200, body = Envelope<Accepted>), (status = 400, description = "1403 with what was wrong")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let batch: TrackBatch = http::json_body(&req, BODY_LIMIT)?;
            // Events of a visitor whose token is missing, expired or invalid are kept, anonymous.
            let user_id = sessions::viewer(ctx, http::token(ctx, &req, sessions::COOKIE)?.as_deref()).await?;
            tracking::record_from_h5(ctx, user_id, batch).await
        }
        .await,
    )
}
