//! Demo data for `make dev`: operators, and the sandbox's demo WeChat users as owners.

use anyhow::Context as _;
use gpet::Ctx;
use gpet::operators::{self, Role};
use gpet::partners::wechat::UserInfo;
use gpet::users::{self, WechatIdentity};

pub async fn seed(ctx: &Ctx, sandbox_url: &str, admin_password: &str) -> anyhow::Result<()> {
    let client = ctx.db()?.client().await?;
    for (username, role) in [("admin", Role::Admin), ("yunying", Role::Operator), ("caiwu", Role::Finance)] {
        let exists = client.query_opt("SELECT 1 FROM operators WHERE username = $1", &[&username]).await?.is_some();
        if !exists {
            operators::create(&client, username, admin_password, role).await?;
            tracing::info!(username, role = role.as_str(), "demo operator created");
        }
    }
    #[derive(serde::Deserialize)]
    struct SandboxUser {
        #[serde(flatten)]
        info: UserInfo,
        snapshot: bool,
    }
    let url = format!("{}/sandbox/wechat/users", sandbox_url.trim_end_matches('/'));
    let demo: Vec<SandboxUser> = reqwest::get(&url)
        .await
        .and_then(|r| r.error_for_status())
        .with_context(|| format!("cannot list demo users at {url}"))?
        .json()
        .await?;
    for user in demo {
        let identity = if user.snapshot {
            WechatIdentity::Snapshot { openid: user.info.openid.clone(), unionid: user.info.unionid.clone() }
        } else {
            WechatIdentity::Real(user.info)
        };
        users::upsert_from_wechat(&client, &identity).await?;
    }
    tracing::info!("demo data seeded");
    Ok(())
}
