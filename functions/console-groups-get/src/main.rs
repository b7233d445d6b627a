//! GET /api/console/groups/{id}: a group with its last 30 days.

use gpet::groups::{self, GroupDetail};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/groups/{id}",
    tag = "console",
    params(
        ("id" = i64, Path, example = 1),
    ),
    responses(
        (status = 200, body = Envelope<GroupDetail>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<GroupDetail> {
    http::operator(ctx, &req).await?;
    groups::console_detail(ctx, http::path_id(&req, "id")?).await
}
