//! GET /api/console/settings: the settings of every subject.

use gpet::settings::{self, AllSettings};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/settings",
    tag = "console",
    responses(
        (status = 200, body = Envelope<AllSettings>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<AllSettings> {
    http::operator(ctx, &req).await?;
    settings::load_all(&ctx.db()?.client().await?).await
}
