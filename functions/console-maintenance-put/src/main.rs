//! PUT /api/console/maintenance: turns maintenance mode on or off.

use gpet::operations::{self, Maintenance, MaintenanceState};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    put,
    path = "/api/console/maintenance",
    tag = "console",
    request_body(content = Maintenance, example = json!({"enabled": false, "message": ""})),
    responses(
        (status = 200, body = Envelope<MaintenanceState>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<MaintenanceState> {
    let by = http::operator(ctx, &req).await?;
    operations::set_maintenance(ctx, &by, http::json_body(&req, 4096)?).await
}
