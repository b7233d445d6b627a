//! PUT /api/console/settings: saves the subjects sent, each field by the role that may change it,
//! every change in the audit log with its before and after.

use gpet::settings::{self, AllSettings, SettingsChange};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(put, path = "/api/console/settings", tag = "console",
    request_body = SettingsChange, responses((status = 200, body = Envelope<AllSettings>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not change a field the change changes (star thresholds, star incomes and money: finance and admin; the others: admin and operator)")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            let change: SettingsChange = http::json_body(&req, 16 * 1024)?;
            settings::save_all(&mut ctx.db()?.client().await?, &by, &change).await
        }
        .await,
    )
}
