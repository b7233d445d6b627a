//! GET /api/groups/{id}: one of the owner's groups, with its last 15 days.

use gpet::groups::{self, GroupDetail};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/groups/{id}",
    tag = "h5",
    params(
        ("id" = i64, Path, example = 1),
    ),
    responses(
        (status = 200, body = Envelope<GroupDetail>),
        (status = 404, description = "1404 not found"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<GroupDetail> {
    let me = http::owner(ctx, &req).await?;
    groups::owner_detail(ctx, me.user_id, http::path_id(&req, "id")?).await
}
