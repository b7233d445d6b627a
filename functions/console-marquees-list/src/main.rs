//! GET /api/console/marquees: marquee notices, newest first.

use gpet::operations::{self, Marquees};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/marquees",
    tag = "console",
    responses(
        (status = 200, body = Envelope<Marquees>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Marquees> {
    http::operator(ctx, &req).await?;
    operations::marquees(ctx).await
}
