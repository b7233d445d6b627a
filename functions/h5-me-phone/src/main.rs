//! POST /api/me/phone: binds the phone with the code sent to it.

use gpet::profile::{self, PhoneBinding};
use gpet::users::Profile;
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/me/phone",
    tag = "h5",
    request_body(content = PhoneBinding, example = json!({"phone": "13812345678", "code": "123456"})),
    responses(
        (status = 200, body = Envelope<Profile>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 422, description = "2301 wrong code, 2302 expired or voided"),
        (status = 409, description = "2303 phone taken, 2200 already bound"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Profile> {
    let me = http::owner(ctx, &req).await?;
    profile::bind_phone(ctx, me.user_id, http::json_body(&req, 1024)?).await
}
