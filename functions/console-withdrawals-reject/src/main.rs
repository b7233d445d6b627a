//! POST /api/console/withdrawals/{id}/reject: rejects a pending or failed withdrawal with a reason, releasing the hold.

use gpet::withdrawals::{self, Rejection, Withdrawal};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    post,
    path = "/api/console/withdrawals/{id}/reject",
    tag = "console",
    params(
        ("id" = i64, Path, example = 3),
    ),
    request_body(content = Rejection, example = json!({"reason": "实名信息与微信实名不一致"})),
    responses(
        (status = 200, body = Envelope<Withdrawal>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
        (status = 404, description = "1404 not found"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Withdrawal> {
    let by = http::operator(ctx, &req).await?;
    let rejection: Rejection = http::json_body(&req, http::BODY_LIMIT)?;
    withdrawals::reject(ctx, &by, http::path_id(&req, "id")?, &rejection).await
}
