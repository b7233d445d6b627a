//! POST /api/broadcasts/preview: renders exactly what WeChat will show: the content as it will be sent, and its bubble.

use gpet::broadcasts;
use gpet::content::{Preview, PreviewRequest};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/broadcasts/preview", tag = "h5", request_body = PreviewRequest,
    responses((status = 200, body = Envelope<Preview>), (status = 400, description = "1403 with what was wrong"), (status = 422, description = "2003 sensitive words, in data.words"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            http::owner(ctx, &req).await?;
            let request: PreviewRequest = http::json_body(&req, http::BODY_LIMIT)?;
            broadcasts::preview(ctx, &request.content).await
        }
        .await,
    )
}
