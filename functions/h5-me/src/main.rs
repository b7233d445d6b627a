//! GET /api/me: the owner's profile.

use gpet::users::Profile;
use gpet::{Ctx, Envelope, users};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/me",
    tag = "h5",
    responses(
        (status = 200, body = Envelope<Profile>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Profile> {
    let me = http::owner(ctx, &req).await?;
    users::profile(&ctx.db()?.client().await?, me.user_id).await
}
