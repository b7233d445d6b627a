//! GET /api/console/maintenance: maintenance mode.

use gpet::operations::{self, MaintenanceState};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/maintenance",
    tag = "console",
    responses(
        (status = 200, body = Envelope<MaintenanceState>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<MaintenanceState> {
    http::operator(ctx, &req).await?;
    operations::maintenance(&ctx.db()?.client().await?).await
}
