//! GET /api/console/users/{id}: a user: masked profile, referral tree, money and name corrections.

use gpet::users::{self, UserWithReferral};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/users/{id}",
    tag = "console",
    params(
        ("id" = i64, Path, example = 1),
    ),
    responses(
        (status = 200, body = Envelope<UserWithReferral>),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<UserWithReferral> {
    let by = http::operator(ctx, &req).await?;
    users::detail(&ctx.db()?.client().await?, &by, http::path_id(&req, "id")?).await
}
