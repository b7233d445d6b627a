//! POST /api/groups/{id}/replace-robot: the owner's one tap for another robot while the group's robot is out.

use gpet::groups::Group;
use gpet::replacements;
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/groups/{id}/replace-robot",
    tag = "h5",
    params(
        ("id" = i64, Path, example = 4),
    ),
    responses(
        (status = 200, body = Envelope<Group>, description = "the group with its `replacement`: the robot to add with the pairing code, then to pull into the group"),
        (status = 400, description = "1403: the robot is online, or the group is not the robot's any more"),
        (status = 404, description = "1404 not found"),
        (status = 422, description = "1600 no robot free"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Group> {
    let me = http::owner(ctx, &req).await?;
    replacements::for_owner(ctx, me.user_id, http::path_id(&req, "id")?).await
}
