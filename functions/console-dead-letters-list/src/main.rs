//! GET /api/console/dead-letters: messages our consumers gave up on (collected from the dead-letter queues).

use gpet::dead_letters::{self, DeadLetter};
use gpet::paging::{self, Page, PageRequest};
use gpet::queue::Queue;
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth, receives = &Queue::DEAD_LETTERS);

#[utoipa::path(
    get,
    path = "/api/console/dead-letters",
    tag = "console",
    params(
        ("queue" = Option<String>, Query),
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<DeadLetter>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<DeadLetter>> {
    http::operator(ctx, &req).await?;
    let query = http::query(&req);
    dead_letters::list(ctx, paging::search_term(&query, "queue")?.as_deref(), PageRequest::parse(&query)?).await
}
