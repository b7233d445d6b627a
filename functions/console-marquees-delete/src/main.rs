//! DELETE /api/console/marquees/{id}: removes a marquee notice.

use gpet::operations;
use gpet::paging::Deleted;
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    delete,
    path = "/api/console/marquees/{id}",
    tag = "console",
    params(
        ("id" = i64, Path, example = 1),
    ),
    responses(
        (status = 200, body = Envelope<Deleted>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Deleted> {
    let by = http::operator(ctx, &req).await?;
    operations::delete_marquee(ctx, &by, http::path_id(&req, "id")?).await
}
