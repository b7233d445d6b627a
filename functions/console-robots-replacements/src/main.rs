//! POST /api/console/robots/{id}/replacements: a replacement robot for every active group of a robot that is not online.

use gpet::replacements::{self, BulkReplacement};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    post,
    path = "/api/console/robots/{id}/replacements",
    tag = "console",
    params(
        ("id" = i64, Path, example = 2),
    ),
    responses(
        (status = 200, body = Envelope<BulkReplacement>),
        (status = 400, description = "1403: the robot is online"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<BulkReplacement> {
    let by = http::operator(ctx, &req).await?;
    replacements::for_robot(ctx, &by, http::path_id(&req, "id")?).await
}
