//! PUT /api/console/settings: saves the subjects sent, each field by the role that may change it,
//! every change in the audit log with its before and after.

use gpet::settings::{self, AllSettings, SettingsChange};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    put,
    path = "/api/console/settings",
    tag = "console",
    request_body(content = SettingsChange, example = json!({"sms": {"per_minute": 1, "per_hour": 5, "per_day": 10, "code_ttl_secs": 300, "max_attempts": 5}})),
    responses(
        (status = 200, body = Envelope<AllSettings>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not change a field the change changes (star thresholds, star incomes and money: finance and admin; the others: admin and operator)"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<AllSettings> {
    let by = http::operator(ctx, &req).await?;
    let change: SettingsChange = http::json_body(&req, 16 * 1024)?;
    settings::save_all(&mut ctx.db()?.client().await?, &by, &change).await
}
