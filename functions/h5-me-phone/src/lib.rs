//! POST /api/me/phone: binds the phone with the code sent to it.

use gpet::profile::{self, PhoneBinding};
use gpet::users::Profile;
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/me/phone", tag = "h5",
    request_body = PhoneBinding, responses((status = 200, body = Envelope<Profile>), (status = 400, description = "1403 with what was wrong"), (status = 422, description = "2301 wrong code, 2302 expired or voided"), (status = 409, description = "2303 phone taken, 2200 already bound"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            profile::bind_phone(ctx, me.user_id, http::json_body(&req, 1024)?).await
        }
        .await,
    )
}
