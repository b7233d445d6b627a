//! GET /api/me: the owner's profile.

use gpet::users::Profile;
use gpet::{Ctx, Envelope, Needs, Uses, users};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/me", tag = "h5",
    responses((status = 200, body = Envelope<Profile>), (status = 401, description = "1401 not logged in, 1406 token expired")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            users::profile(&ctx.db()?.client().await?, me.user_id).await
        }
        .await,
    )
}
