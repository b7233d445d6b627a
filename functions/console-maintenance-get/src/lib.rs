//! GET /api/console/maintenance: maintenance mode.

use gpet::operations::{self, MaintenanceState};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/console/maintenance", tag = "console",
    responses((status = 200, body = Envelope<MaintenanceState>), (status = 401, description = "1401 not logged in, 1406 token expired")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            http::operator(ctx, &req).await?;
            operations::maintenance(&ctx.db()?.client().await?).await
        }
        .await,
    )
}
