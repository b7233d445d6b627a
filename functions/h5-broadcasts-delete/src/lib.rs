//! DELETE /api/broadcasts/{id}: cancels a mass message not yet sent.

use gpet::broadcasts::{self, Broadcast};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(delete, path = "/api/broadcasts/{id}", tag = "h5", params(("id" = i64, Path)),
    responses((status = 200, body = Envelope<Broadcast>), (status = 400, description = "1403 with what was wrong"), (status = 404, description = "1404 not found"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            broadcasts::cancel(ctx, me.user_id, http::path_id(&req, "id")?).await
        }
        .await,
    )
}
