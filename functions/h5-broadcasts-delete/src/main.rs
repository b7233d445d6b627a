//! DELETE /api/broadcasts/{id}: cancels a mass message not yet sent.

use gpet::broadcasts::{self, Broadcast};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    delete,
    path = "/api/broadcasts/{id}",
    tag = "h5",
    params(
        ("id" = i64, Path, example = 1),
    ),
    responses(
        (status = 200, body = Envelope<Broadcast>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 404, description = "1404 not found"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Broadcast> {
    let me = http::owner(ctx, &req).await?;
    broadcasts::cancel(ctx, me.user_id, http::path_id(&req, "id")?).await
}
