//! DELETE /api/keywords/{id}: removes one of the owner's keywords.

use gpet::keywords;
use gpet::paging::Deleted;
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(delete, path = "/api/keywords/{id}", tag = "h5", params(("id" = i64, Path)),
    responses((status = 200, body = Envelope<Deleted>), (status = 404, description = "1404 not found"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            keywords::delete(ctx, me.user_id, http::path_id(&req, "id")?).await
        }
        .await,
    )
}
