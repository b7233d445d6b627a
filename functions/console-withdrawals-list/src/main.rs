//! GET /api/console/withdrawals: withdrawals filtered by `state`, `day`, `user_id`, paged;
//! `format=csv` exports those of a date range (`from` and `to`, at most 31 days, or `day`), at
//! most 10,000 rows.

use gpet::paging::{Page, PageRequest};
use gpet::withdrawals::{self, ExportRange, Filter, Withdrawal};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Body, Request, Response, http};

gpet_lambda::function!(http_response; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/withdrawals",
    tag = "console",
    params(
        ("state" = Option<String>, Query),
        ("day" = Option<String>, Query),
        ("user_id" = Option<i64>, Query),
        ("format" = Option<String>, Query, description = "csv"),
        ("from" = Option<String>, Query, description = "with format=csv: the first day (YYYY-MM-DD)"),
        ("to" = Option<String>, Query, description = "with format=csv: the last day, at most 31 days after from"),
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<Withdrawal>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Response<Body>> {
    let query = http::query(&req);
    let by = http::operator(ctx, &req).await?;
    let filter = Filter::parse(&query)?;
    if query.get("format").map(String::as_str) == Some("csv") {
        let range = ExportRange::parse(&query, &filter)?;
        let name = range.file_name();
        return Ok(http::csv(withdrawals::csv(ctx, &by, &filter, range).await?, &name));
    }
    Ok(http::ok(withdrawals::search(ctx, &by, &filter, PageRequest::parse(&query)?).await?))
}
