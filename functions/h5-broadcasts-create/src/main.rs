//! POST /api/broadcasts: creates a mass message to the owner's groups, now or at a minute.

use gpet::broadcasts::{self, Broadcast, NewBroadcast};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/broadcasts",
    tag = "h5",
    request_body(content = NewBroadcast, example = json!({"content": {"kind": "text", "text": "各位铲屎官晚上好！\n今晚 8 点群里抽奖，送猫粮 3 袋"}, "group_ids": [1]})),
    responses(
        (status = 200, body = Envelope<Broadcast>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 404, description = "1404 a group is not the owner's, in data.group_ids"),
        (status = 409, description = "2005 a task at the same minute"),
        (status = 422, description = "2003 sensitive words; 2004 the day's quota of mass messages is used up"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Broadcast> {
    let me = http::owner(ctx, &req).await?;
    let new: NewBroadcast = http::json_body(&req, http::BODY_LIMIT)?;
    broadcasts::create(ctx, me.user_id, new).await
}
