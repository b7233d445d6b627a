//! GET /api/console/dead-letters: messages our consumers gave up on (collected from the dead-letter queues).

use gpet::config::QueueSet;
use gpet::dead_letters::{self, DeadLetter};
use gpet::paging::{self, Page, PageRequest};
use gpet::queue::Queue;
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, receives: QueueSet::of(&Queue::DEAD_LETTERS), ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/console/dead-letters", tag = "console", params(("queue" = Option<String>, Query), ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = Envelope<Page<DeadLetter>>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            http::operator(ctx, &req).await?;
            let query = http::query(&req);
            dead_letters::list(ctx, paging::search_term(&query, "queue")?.as_deref(), PageRequest::parse(&query)?).await
        }
        .await,
    )
}
