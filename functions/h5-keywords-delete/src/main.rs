//! DELETE /api/keywords/{id}: removes one of the owner's keywords.

use gpet::keywords;
use gpet::paging::Deleted;
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    delete,
    path = "/api/keywords/{id}",
    tag = "h5",
    params(
        ("id" = i64, Path, example = 1),
    ),
    responses(
        (status = 200, body = Envelope<Deleted>),
        (status = 404, description = "1404 not found"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Deleted> {
    let me = http::owner(ctx, &req).await?;
    keywords::delete(ctx, me.user_id, http::path_id(&req, "id")?).await
}
