//! PUT /api/console/maintenance: turns maintenance mode on or off.

use gpet::operations::{self, Maintenance, MaintenanceState};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(put, path = "/api/console/maintenance", tag = "console",
    request_body = Maintenance, responses((status = 200, body = Envelope<MaintenanceState>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            operations::set_maintenance(ctx, &by, http::json_body(&req, 4096)?).await
        }
        .await,
    )
}
