//! DELETE /api/console/campaigns/{id}: cancels a campaign: nothing more is sent.

use gpet::campaigns::{self, Campaign};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    delete,
    path = "/api/console/campaigns/{id}",
    tag = "console",
    params(
        ("id" = i64, Path, example = 1),
    ),
    responses(
        (status = 200, body = Envelope<Campaign>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Campaign> {
    let by = http::operator(ctx, &req).await?;
    campaigns::cancel(ctx, &by, http::path_id(&req, "id")?).await
}
