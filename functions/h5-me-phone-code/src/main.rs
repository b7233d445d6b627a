//! POST /api/me/phone/code: sends an SMS code to the phone the owner binds.

use gpet::profile::{self, CodeRequest, CodeSent};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth, sms);

#[utoipa::path(
    post,
    path = "/api/me/phone/code",
    tag = "h5",
    request_body(content = CodeRequest, example = json!({"phone": "13812345678"})),
    responses(
        (status = 200, body = Envelope<CodeSent>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 429, description = "2304 sent too often"),
        (status = 409, description = "2303 phone taken, 2200 already bound"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<CodeSent> {
    let me = http::owner(ctx, &req).await?;
    profile::send_code(ctx, me.user_id, http::client_ip(&req), http::json_body(&req, 1024)?).await
}
