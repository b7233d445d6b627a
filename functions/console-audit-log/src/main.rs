//! GET /api/console/audit-log: operators' actions, newest first.

use gpet::operators::{self, AuditEntry};
use gpet::paging::{self, Page, PageRequest};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/audit-log",
    tag = "console",
    params(
        ("operator" = Option<String>, Query, description = "a username"),
        ("action" = Option<String>, Query, description = "an action or its prefix"),
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<AuditEntry>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<AuditEntry>> {
    http::operator(ctx, &req).await?;
    let query = http::query(&req);
    let operator = paging::search_term(&query, "operator")?;
    let action = paging::search_term(&query, "action")?;
    let page = PageRequest::parse(&query)?;
    operators::audit_log(&ctx.db()?.client().await?, operator.as_deref(), action.as_deref(), page).await
}
