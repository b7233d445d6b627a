//! POST /api/me/identity/correction: corrects the real name after WeChat Pay refused it for not
//! matching the owner's WeChat real name (once per refusal, a few times at most, recorded).

use gpet::profile::{self, NameCorrection};
use gpet::users::Profile;
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/me/identity/correction",
    tag = "h5",
    request_body(content = NameCorrection, example = json!({"name": "王芳"})),
    responses(
        (status = 200, body = Envelope<Profile>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 409, description = "2200 no refusal of the name to correct, or no corrections left"),
        (status = 422, description = "2002 no identity yet, 2003 sensitive word"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Profile> {
    let me = http::owner(ctx, &req).await?;
    profile::correct_name(ctx, me.user_id, http::json_body(&req, 1024)?).await
}
