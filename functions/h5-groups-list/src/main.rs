//! GET /api/groups: the owner's groups: state, stars, sessions today and yesterday, income, exit reason.

use gpet::groups::{self, GroupList};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/groups",
    tag = "h5",
    responses(
        (status = 200, body = Envelope<GroupList>),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<GroupList> {
    let me = http::owner(ctx, &req).await?;
    groups::for_owner(ctx, me.user_id).await
}
