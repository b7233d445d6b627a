//! POST /api/broadcasts/preview: renders exactly what WeChat will show: the content as it will be sent, and its bubble.

use gpet::broadcasts;
use gpet::content::{Preview, PreviewRequest};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/broadcasts/preview",
    tag = "h5",
    request_body(content = PreviewRequest, example = json!({"content": {"kind": "link", "title": "双十二宠物用品特卖", "desc": "全场 5 折起，限时三天", "url": "https://example.com/activity/double12"}})),
    responses(
        (status = 200, body = Envelope<Preview>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 422, description = "2003 sensitive words, in data.words"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Preview> {
    http::owner(ctx, &req).await?;
    let request: PreviewRequest = http::json_body(&req, http::BODY_LIMIT)?;
    broadcasts::preview(ctx, &request.content).await
}
