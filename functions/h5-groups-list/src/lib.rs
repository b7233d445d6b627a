//! GET /api/groups: the owner's groups: state, stars, sessions today and yesterday, income, exit reason.

use gpet::groups::{self, GroupList};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/groups", tag = "h5",
    responses((status = 200, body = Envelope<GroupList>), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            groups::for_owner(ctx, me.user_id).await
        }
        .await,
    )
}
