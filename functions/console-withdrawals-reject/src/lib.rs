//! POST /api/console/withdrawals/{id}/reject: rejects a pending or failed withdrawal with a reason, releasing the hold.

use gpet::withdrawals::{self, Rejection, Withdrawal};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/console/withdrawals/{id}/reject", tag = "console", params(("id" = i64, Path)), request_body = Rejection,
    responses((status = 200, body = Envelope<Withdrawal>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not"), (status = 404, description = "1404 not found")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            let rejection: Rejection = http::json_body(&req, http::BODY_LIMIT)?;
            withdrawals::reject(ctx, &by, http::path_id(&req, "id")?, &rejection).await
        }
        .await,
    )
}
