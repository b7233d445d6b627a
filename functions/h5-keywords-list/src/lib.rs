//! GET /api/keywords: the owner's keyword replies (`?group_id=`: that group's and those for all groups).

use gpet::keywords::{self, KeywordList};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/keywords", tag = "h5", params(("group_id" = Option<i64>, Query)),
    responses((status = 200, body = Envelope<KeywordList>), (status = 400, description = "1403 with what was wrong"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            let group_id =
                http::query(&req).get("group_id").filter(|v| !v.is_empty()).map(|v| v.parse::<i64>()).transpose();
            let group_id = group_id.map_err(|_| gpet::Error::bad_request("group_id 须为整数"))?;
            keywords::list(ctx, me.user_id, group_id).await
        }
        .await,
    )
}
