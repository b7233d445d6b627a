//! Demo data for `make dev`: operators, and the sandbox's demo WeChat users as owners.

use anyhow::Context as _;
use gpet::Ctx;
use gpet::operators::{self, Role};
use gpet::partners::wechat::UserInfo;
use gpet::users::{self, WechatIdentity};
use gpet::{sensitive_words, short_links};

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
    let seeded = client.query_opt("SELECT 1 FROM settings WHERE key = 'demo_seeded'", &[]).await?.is_some();
    if !seeded {
        owners_and_operations(ctx).await?;
    }
    tracing::info!("demo data seeded");
    Ok(())
}

/// A month of history for issue 3's pages, once per database: more owners (joined over the
/// month, some through invites), phones and an identity, daily active users, notices, words
/// and short links with visits, and the audit entries of an operator who made them.
async fn owners_and_operations(ctx: &Ctx) -> anyhow::Result<()> {
    let mut client = ctx.db()?.client().await?;
    let transaction = client.transaction().await?;
    let tx = &transaction;
    let admin: i64 = tx.query_one("SELECT id FROM operators WHERE username = 'admin'", &[]).await?.get(0);
    let today = ctx.clock.today().date();
    let id_of = |openid: &'static str| async move {
        tx.query_opt("SELECT id FROM users WHERE openid = $1", &[&openid]).await.map(|r| r.map(|r| r.get::<_, i64>(0)))
    };
    // The sandbox's demo users: 张伟 invited 李娜 and 王芳, 李娜 invited 刘洋.
    for (apprentice, master) in
        [("o_demo_lina", "o_demo_zhangwei"), ("o_demo_wangfang", "o_demo_zhangwei"), ("o_demo_liuyang", "o_demo_lina")]
    {
        if let (Some(a), Some(m)) = (id_of(apprentice).await?, id_of(master).await?) {
            tx.execute(
                "UPDATE users u SET master_id = m.id, grand_master_id = m.master_id, bound_at = now() - interval '20 days'
                 FROM users m WHERE u.id = $1 AND m.id = $2 AND u.master_id IS NULL",
                &[&a, &m],
            )
            .await?;
        }
    }
    tx.execute(
        "UPDATE users SET phone = '13800138000', phone_bound_at = now(), identity_name = '张伟',
             id_number_masked = '110105********002X', identity_verified_at = now() WHERE openid = 'o_demo_zhangwei'",
        &[],
    )
    .await?;
    tx.execute("UPDATE users SET phone = '13900139000', phone_bound_at = now() WHERE openid = 'o_demo_lina'", &[])
        .await?;
    // 60 more owners over the last 30 days; every third one invited by 张伟 or 李娜.
    let zhangwei = id_of("o_demo_zhangwei").await?;
    let lina = id_of("o_demo_lina").await?;
    for n in 0..60i64 {
        let openid = format!("o_seed_{n:03}");
        let joined = ctx.clock.now() - chrono::Duration::hours(12 * n + 3);
        let master = match n % 3 {
            0 => zhangwei,
            1 => lina,
            _ => None,
        };
        let row = tx
            .query_one(
                "INSERT INTO users (openid, nickname, avatar_url, created_at, last_login_at) VALUES ($1, $2, '', $3, $3)
                 ON CONFLICT (openid) DO UPDATE SET nickname = EXCLUDED.nickname RETURNING id",
                &[&openid, &format!("群主{:03}", n + 1), &joined],
            )
            .await?;
        let id: i64 = row.get(0);
        tx.execute(
            "UPDATE users SET invite_code = $2 WHERE id = $1",
            &[&id, &users::InviteCode::for_user(id).as_str()],
        )
        .await?;
        if let Some(master) = master {
            tx.execute(
                "UPDATE users u SET master_id = m.id, grand_master_id = m.master_id, bound_at = $3
                 FROM users m WHERE u.id = $1 AND m.id = $2 AND u.master_id IS NULL",
                &[&id, &master, &joined],
            )
            .await?;
        }
    }
    // Daily active users of the last 30 days, as the rollup would have stored them.
    for back in 1..=30i64 {
        let day = today - chrono::Duration::days(back);
        let active = 40 + (back * 37 % 23) as i32 - (back as i32 / 3);
        tx.execute(
            "INSERT INTO daily_activity (day, active_users) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&day, &active],
        )
        .await?;
    }
    let now = ctx.clock.now();
    for (text, from, to) in [
        (
            "欢迎来到群宠！邀请好友一起养群，师徒收益天天到账。",
            now - chrono::Duration::days(3),
            now + chrono::Duration::days(30),
        ),
        (
            "本周六 02:00–04:00 系统升级，期间结算顺延，收益不受影响。",
            now - chrono::Duration::hours(1),
            now + chrono::Duration::days(5),
        ),
        ("双十二活动预告：活跃群组额外奖励。", now + chrono::Duration::days(10), now + chrono::Duration::days(17)),
    ] {
        tx.execute(
            "INSERT INTO marquees (text, starts_at, ends_at, created_by) VALUES ($1, $2, $3, $4)",
            &[&text, &from, &to, &admin],
        )
        .await?;
        operators::audit(tx, admin, "marquee.create", None, serde_json::json!({"text": text})).await?;
    }
    let words = ["代开发票", "刷单", "赌博", "加微信", "高额返利", "VX"];
    for word in words {
        tx.execute(
            "INSERT INTO sensitive_words (word, normalized, created_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&word, &sensitive_words::normalize(word), &admin],
        )
        .await?;
    }
    tx.execute("SELECT nextval('sensitive_words_version')", &[]).await?;
    operators::audit(tx, admin, "sensitive_words.add", None, serde_json::json!({"added": words.len()})).await?;
    tx.execute("INSERT INTO settings (key, value) VALUES ('demo_seeded', 'true')", &[]).await?;
    transaction.commit().await?;

    // Short links through the domain, as an operator makes them, then their visits.
    let by = operators::ConsolePrincipal {
        operator: operators::Operator { id: admin, username: "admin".into(), role: Role::Admin },
        session_id: uuid::Uuid::nil(),
    };
    for (url, visits) in [("https://example.com/activity/double12", 318i64), ("https://example.com/help/withdraw", 76)]
    {
        let link = short_links::create(ctx, &by, short_links::NewShortLink { url: url.into() }).await?;
        client.execute("UPDATE short_links SET visits = $2 WHERE id = $1", &[&link.id, &visits]).await?;
    }
    Ok(())
}
