//! PUT /api/console/marquees/{id}: changes a marquee notice.

use gpet::operations::{self, Marquee, MarqueeDraft};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(put, path = "/api/console/marquees/{id}", tag = "console",
    params(("id" = i64, Path)), request_body = MarqueeDraft, responses((status = 200, body = Envelope<Marquee>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not"), (status = 404, description = "1404 not found")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            let id = http::path_id(&req, "id")?;
            operations::save_marquee(ctx, &by, Some(id), http::json_body(&req, 4096)?).await
        }
        .await,
    )
}
