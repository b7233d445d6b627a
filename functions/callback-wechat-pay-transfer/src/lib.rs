//! POST /api/callbacks/wechat-pay/transfer: WeChat Pay's transfer result notification: signature checked, resource decrypted, the withdrawal settled once.

use gpet::payouts::{self, Received};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, pay: true, mail: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/callbacks/wechat-pay/transfer", tag = "callbacks",
    responses((status = 200, body = Envelope<Received>), (status = 401, description = "1401 bad signature or content; WeChat Pay sends it again")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(async { payouts::notified(ctx, req.headers(), req.body().as_ref()).await }.await)
}
