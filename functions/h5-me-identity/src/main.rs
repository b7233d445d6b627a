//! POST /api/me/identity: real name and resident ID, kept masked.

use gpet::profile::{self, IdentityClaim};
use gpet::users::Profile;
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/me/identity",
    tag = "h5",
    request_body(content = IdentityClaim, example = json!({"name": "王芳", "id_number": "11010519491231002X"})),
    responses(
        (status = 200, body = Envelope<Profile>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 422, description = "2001 phone first, 2003 sensitive word"),
        (status = 409, description = "2200 already verified"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Profile> {
    let me = http::owner(ctx, &req).await?;
    profile::verify_identity(ctx, me.user_id, http::json_body(&req, 1024)?).await
}
