//! POST /api/console/me/password: an operator chooses their own password (the first admin, or
//! one whose password an admin reset, must before anything else).

use gpet::operators::{self, Me, PasswordChange};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    post,
    path = "/api/console/me/password",
    tag = "console",
    request_body(content = PasswordChange, example = json!({"current_password": "gpet-admin-2024", "new_password": "a-longer-passphrase-7"})),
    responses(
        (status = 200, body = Envelope<Me>),
        (status = 400, description = "1403 当前密码不正确 / 新密码不合要求"),
        (status = 401, description = "1401 not logged in"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Me> {
    let me = http::operator_before_password_change(ctx, &req).await?;
    operators::change_own_password(ctx, &me, http::json_body(&req, 4096)?).await
}
