//! POST /api/callbacks/wechat-pay/transfer: WeChat Pay's transfer result notification: signature checked, resource decrypted, the withdrawal settled once.

use gpet::payouts::{self, Received};
use gpet::{Ctx, Envelope};
use gpet_lambda::Request;

gpet_lambda::function!(http; db, cache, pay, mail);

#[utoipa::path(
    post,
    path = "/api/callbacks/wechat-pay/transfer",
    tag = "callbacks",
    responses(
        (status = 200, body = Envelope<Received>),
        (status = 401, description = "1401 bad signature or content; WeChat Pay sends it again"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Received> {
    payouts::notified(ctx, req.headers(), req.body().as_ref()).await
}
