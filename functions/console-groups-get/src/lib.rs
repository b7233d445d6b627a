//! GET /api/console/groups/{id}: a group with its last 30 days.

use gpet::groups::{self, GroupDetail};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/console/groups/{id}", tag = "console", params(("id" = i64, Path)),
    responses((status = 200, body = Envelope<GroupDetail>), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 404, description = "1404 not found")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            http::operator(ctx, &req).await?;
            groups::console_detail(ctx, http::path_id(&req, "id")?).await
        }
        .await,
    )
}
