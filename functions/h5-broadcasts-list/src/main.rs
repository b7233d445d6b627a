//! GET /api/broadcasts: the owner's mass messages, newest first, with each group's outcome.

use gpet::broadcasts::{self, Broadcast};
use gpet::paging::{Page, PageRequest};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/broadcasts",
    tag = "h5",
    params(
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<Broadcast>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<Broadcast>> {
    let me = http::owner(ctx, &req).await?;
    broadcasts::list(ctx, me.user_id, PageRequest::parse(&http::query(&req))?).await
}
