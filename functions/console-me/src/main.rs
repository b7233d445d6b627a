//! GET /api/console/me: the operator, their role, and whether they must choose a new password
//! before anything else.

use gpet::operators::Me;
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/me",
    tag = "console",
    responses(
        (status = 200, body = Envelope<Me>),
        (status = 401, description = "1401 not logged in, 1406 expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Me> {
    let me = http::operator_before_password_change(ctx, &req).await?;
    Ok(Me { operator: me.operator, must_change_password: me.must_change_password })
}
