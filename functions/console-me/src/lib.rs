//! GET /api/console/me: the operator, their role, and whether they must choose a new password
//! before anything else.

use gpet::operators::Me;
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/console/me", tag = "console",
    responses((status = 200, body = Envelope<Me>), (status = 401, description = "1401 not logged in, 1406 expired")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::operator_before_password_change(ctx, &req).await?;
            Ok(Me { operator: me.operator, must_change_password: me.must_change_password })
        }
        .await,
    )
}
