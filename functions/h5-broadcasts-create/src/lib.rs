//! POST /api/broadcasts: creates a mass message to the owner's groups, now or at a minute.

use gpet::broadcasts::{self, Broadcast, NewBroadcast};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/broadcasts", tag = "h5", request_body = NewBroadcast,
    responses((status = 200, body = Envelope<Broadcast>), (status = 400, description = "1403 with what was wrong"), (status = 404, description = "1404 a group is not the owner's, in data.group_ids"), (status = 409, description = "2005 a task at the same minute"), (status = 422, description = "2003 sensitive words; 2004 the day's quota of mass messages is used up"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            let new: NewBroadcast = http::json_body(&req, http::BODY_LIMIT)?;
            broadcasts::create(ctx, me.user_id, new).await
        }
        .await,
    )
}
