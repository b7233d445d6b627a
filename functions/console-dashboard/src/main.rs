//! GET /api/console/dashboard: daily series for the dashboard charts.

use gpet::activity::{self, Dashboard};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/console/dashboard",
    tag = "console",
    params(
        ("from" = Option<String>, Query, description = "YYYY-MM-DD, default 29 days before `to`"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD, default today"),
    ),
    responses(
        (status = 200, body = Envelope<Dashboard>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Dashboard> {
    http::operator(ctx, &req).await?;
    let query = http::query(&req);
    let (from, to) =
        activity::parse_range(ctx, query.get("from").map(String::as_str), query.get("to").map(String::as_str))?;
    activity::dashboard(ctx, from, to).await
}
