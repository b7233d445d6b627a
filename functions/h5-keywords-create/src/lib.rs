//! POST /api/keywords: adds a keyword → reply, for one group or all the owner's groups.

use gpet::keywords::{self, Keyword, NewKeyword};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/keywords", tag = "h5", request_body = NewKeyword,
    responses((status = 200, body = Envelope<Keyword>), (status = 400, description = "1403 with what was wrong"), (status = 404, description = "1404 not found"), (status = 409, description = "2005 the keyword exists"), (status = 422, description = "2003 sensitive words, in data.words; 2004 the owner has the most keywords allowed"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            let new: NewKeyword = http::json_body(&req, http::BODY_LIMIT)?;
            keywords::add(ctx, me.user_id, new).await
        }
        .await,
    )
}
