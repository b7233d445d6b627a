//! POST /api/console/robots: registers a robot (it can be offered the same day).

use gpet::robots::{self, NewRobot, Robot};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/console/robots", tag = "console", request_body = NewRobot,
    responses((status = 200, body = Envelope<Robot>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not"), (status = 409, description = "2004 platform id or WeChat id taken")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            let new: NewRobot = http::json_body(&req, http::BODY_LIMIT)?;
            robots::create(ctx, &by, new).await
        }
        .await,
    )
}
