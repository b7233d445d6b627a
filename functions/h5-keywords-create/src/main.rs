//! POST /api/keywords: adds a keyword → reply, for one group or all the owner's groups.

use gpet::keywords::{self, Keyword, NewKeyword};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/keywords",
    tag = "h5",
    request_body(content = NewKeyword, example = json!({"group_id": 1, "keyword": "签到", "reply": "签到成功！每天来群里聊聊，群会越来越旺"})),
    responses(
        (status = 200, body = Envelope<Keyword>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 404, description = "1404 not found"),
        (status = 409, description = "2005 the keyword exists"),
        (status = 422, description = "2003 sensitive words, in data.words; 2004 the owner has the most keywords allowed"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Keyword> {
    let me = http::owner(ctx, &req).await?;
    let new: NewKeyword = http::json_body(&req, http::BODY_LIMIT)?;
    keywords::add(ctx, me.user_id, new).await
}
