//! DELETE /api/groups/{id}: the owner asks the robot to leave this group.

use gpet::groups::{self, Group};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth, robot);

#[utoipa::path(
    delete,
    path = "/api/groups/{id}",
    tag = "h5",
    params(
        ("id" = i64, Path, example = 2),
    ),
    responses(
        (status = 200, body = Envelope<Group>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 404, description = "1404 not found"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Group> {
    let me = http::owner(ctx, &req).await?;
    groups::owner_exit(ctx, me.user_id, http::path_id(&req, "id")?).await
}
