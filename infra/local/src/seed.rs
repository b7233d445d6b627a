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
    let robots_seeded =
        client.query_opt("SELECT 1 FROM settings WHERE key = 'demo_robots_seeded'", &[]).await?.is_some();
    if !robots_seeded {
        robots_and_groups(ctx).await?;
    }
    let money_seeded = client.query_opt("SELECT 1 FROM settings WHERE key = 'demo_money_seeded'", &[]).await?.is_some();
    if !money_seeded {
        money(ctx).await?;
    }
    chatter(ctx, sandbox_url).await?;
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
        must_change_password: false,
    };
    for (url, visits) in [("https://example.com/activity/double12", 318i64), ("https://example.com/help/withdraw", 76)]
    {
        let link = short_links::create(ctx, &by, short_links::NewShortLink { url: url.into() }).await?;
        client.execute("UPDATE short_links SET visits = $2 WHERE id = $1", &[&link.id, &visits]).await?;
    }
    Ok(())
}

/// Issue 4's pages, once per database: four robots with two weeks of use, the demo owners'
/// groups (mostly active, a few cancelled, left and refused) with 15 days of sessions and
/// stars, keywords, mass messages with their outcomes and ad campaigns. The strategy releases
/// every free place at 00:00, so a demo owner can always be offered a robot.
async fn robots_and_groups(ctx: &Ctx) -> anyhow::Result<()> {
    use chrono::Duration;
    let mut client = ctx.db()?.client().await?;
    let transaction = client.transaction().await?;
    let tx = &transaction;
    let admin: i64 = tx.query_one("SELECT id FROM operators WHERE username = 'admin'", &[]).await?.get(0);
    let strategy = serde_json::json!({"releases": [{"at": "00:00", "share_pct": 100}], "amount": 1, "display_rate": 3});
    tx.execute(
        "INSERT INTO settings (key, value, updated_by) VALUES ('distribution', $1, $2) ON CONFLICT (key) DO NOTHING",
        &[&strategy, &admin],
    )
    .await?;
    let mut robots = Vec::new();
    for (n, (nickname, capacity, enabled)) in
        [("小宠一号", 200, true), ("小宠二号", 200, true), ("小宠三号", 100, true), ("备用机器人", 50, false)]
            .iter()
            .enumerate()
    {
        let wxid = format!("wxid_demo_robot_{}", n + 1);
        let id: i64 = tx
            .query_one(
                "INSERT INTO robots (platform_id, wxid, nickname, qr_code_url, capacity, enabled, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, now() - interval '30 days')
                 ON CONFLICT (wxid) DO UPDATE SET nickname = EXCLUDED.nickname RETURNING id",
                &[
                    &format!("demo-{}", n + 1),
                    &wxid,
                    nickname,
                    &format!("https://qr.example.cn/{wxid}.png"),
                    capacity,
                    enabled,
                ],
            )
            .await?
            .get(0);
        robots.push((id, wxid));
        operators::audit(
            tx,
            admin,
            "robot.create",
            Some(&id.to_string()),
            serde_json::json!({"wxid": robots.last().unwrap().1}),
        )
        .await?;
    }
    // Owners: the demo users with phones and 20 of the seeded owners, each paired with a WeChat id.
    let owners: Vec<(i64, String)> = tx
        .query(
            "SELECT id, openid FROM users WHERE openid IN ('o_demo_zhangwei', 'o_demo_lina')
             UNION ALL (SELECT id, openid FROM users WHERE openid LIKE 'o_seed_%' ORDER BY openid LIMIT 20)",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let today = ctx.clock.today().date();
    let now = ctx.clock.now();
    let levels = [0i32, 12, 60, 240, 620]; // sessions a day around which each group chats
    let mut group_n = 0usize;
    for (o, (owner_id, openid)) in owners.iter().enumerate() {
        let wxid = format!("wxid_{openid}");
        let (robot_id, _) = &robots[o % 3];
        tx.execute(
            "INSERT INTO owner_wxids (wxid, user_id, robot_id, paired_at) VALUES ($1, $2, $3, now() - interval '20 days')
             ON CONFLICT DO NOTHING",
            &[&wxid, owner_id, robot_id],
        )
        .await?;
        // 张伟 and 李娜 have four groups each, the others one or two.
        let count = if o < 2 { 4 } else { 1 + o % 2 };
        for g in 0..count {
            group_n += 1;
            let (robot_id, _) = &robots[(o + g) % 3];
            let age = 3 + ((group_n * 7) % 16) as i64; // days since joining
            let joined = now - Duration::days(age) - Duration::hours(2);
            // Every 9th group was cancelled, every 11th left by the launch switch, every 13th refused.
            let (state, reason, exited) = match group_n {
                n if n % 9 == 0 => ("cancelled", Some("会话不足"), Some(now - Duration::days(2))),
                n if n % 11 == 0 => ("left", Some("投放开关已关闭，机器人自动退群"), Some(now - Duration::days(1))),
                n if n % 13 == 0 => ("refused", Some("群成员不足 20 人（现有 14 人）"), Some(joined)),
                _ => ("active", None, None),
            };
            let level = levels[(group_n * 3 + g) % levels.len()];
            let members = if state == "refused" { 14 } else { 25 + (group_n * 17 % 300) as i32 };
            let id: i64 = tx
                .query_one(
                    "INSERT INTO groups (group_wxid, name, robot_id, owner_id, state, state_at, member_count, member_count_at,
                                         joined_at, exited_at, exit_reason)
                     VALUES ($1, $2, $3, $4, $5, coalesce($8::timestamptz, $7), $6, $7, $7, $8, $9) RETURNING id",
                    &[
                        &format!("{}@chatroom", 40_000_000 + group_n),
                        &format!("{}{}", ["宠物交流", "猫咪之家", "狗狗乐园", "水族爱好者", "萌宠日常"][group_n % 5], group_n),
                        robot_id,
                        owner_id,
                        &state,
                        &members,
                        &joined,
                        &exited,
                        &reason,
                    ],
                )
                .await?
                .get(0);
            if state == "refused" {
                continue;
            }
            // Sessions of each day since joining (today's so far), and yesterday's stars.
            let settings = gpet::settings::GroupSettings::default();
            let days = age.min(15);
            for d in 0..=days {
                let day = today - Duration::days(d);
                let quiet = state == "cancelled" && d <= 3;
                let wave = ((group_n as i64 * 5 + d * 3) % 7) as i32;
                let sessions = if quiet { 0 } else { (level * (7 + wave) / 10).max(if level > 0 { 1 } else { 0 }) };
                let sessions = if d == 0 { sessions / 2 } else { sessions };
                let speakers = (sessions / 6).min(members).max(if sessions > 0 { 1 } else { 0 });
                let stars = (d > 0).then(|| settings.stars(i64::from(sessions)));
                tx.execute(
                    "INSERT INTO group_daily (group_id, day, sessions, speakers, stars) VALUES ($1, $2, $3, $4, $5)",
                    &[&id, &day, &sessions, &speakers, &stars],
                )
                .await?;
            }
            tx.execute(
                "UPDATE groups g SET stars = d.stars, rated_day = d.day FROM group_daily d
                 WHERE g.id = $1 AND d.group_id = g.id AND d.day = $2 AND g.state = 'active'",
                &[&id, &(today - Duration::days(1))],
            )
            .await?;
        }
    }
    // Two weeks of the robots' use: the snapshot's free places and what the counters reached.
    for d in 1..=14i64 {
        let day = today - Duration::days(d);
        for (i, (robot_id, _)) in robots.iter().take(3).enumerate() {
            let free = 160 - 4 * d as i32 - 30 * i as i32;
            let displayed = 9 + ((d as i32 * 7 + i as i32 * 3) % 12);
            tx.execute(
                "INSERT INTO robot_snapshots (day, robot_id, free_places, distributed, displayed, activated)
                 VALUES ($1, $2, $3, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[&day, robot_id, &free, &displayed, &(displayed / 3)],
            )
            .await?;
        }
    }
    // 张伟's keywords, a mass message sent yesterday (one group failed) and one for tomorrow.
    let zhangwei = owners.iter().find(|(_, o)| o == "o_demo_zhangwei").map(|(id, _)| *id);
    if let Some(zhangwei) = zhangwei {
        for (keyword, reply) in [
            ("签到", "签到成功！每天来群里聊聊，群会越来越旺 🐾"),
            ("规则", "本群规则：\n1. 友善交流\n2. 禁止广告\n3. 晒宠欢迎"),
        ] {
            tx.execute(
                "INSERT INTO keywords (owner_id, keyword, reply) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&zhangwei, &keyword, &reply],
            )
            .await?;
        }
        let groups: Vec<i64> = tx
            .query("SELECT id FROM groups WHERE owner_id = $1 AND state = 'active' ORDER BY id", &[&zhangwei])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let minute = |t: chrono::DateTime<chrono::Utc>| {
            chrono::DurationRound::duration_trunc(t, Duration::minutes(1)).expect("a minute divides any time")
        };
        let sent_at = minute(now - Duration::days(1));
        let text = serde_json::json!({"kind": "text", "text": "各位铲屎官晚上好！\n今晚 8 点群里抽奖，送猫粮 3 袋\n\n记得准时来哦"});
        let done: i64 = tx
            .query_one(
                "INSERT INTO broadcasts (owner_id, content, send_at, state, created_at) VALUES ($1, $2, $3, 'done', $3) RETURNING id",
                &[&zhangwei, &text, &sent_at],
            )
            .await?
            .get(0);
        for (i, group) in groups.iter().enumerate() {
            let (state, code, reason) = if i == 1 {
                ("failed", Some(1602), Some("机器人平台暂时无法访问"))
            } else {
                ("sent", None, None)
            };
            tx.execute(
                "INSERT INTO deliveries (task_kind, task_id, group_id, state, code, reason, sent_at)
                 VALUES ('broadcast', $1, $2, $3, $4, $5, $6)",
                &[&done, group, &state, &code, &reason, &(sent_at + Duration::seconds(3 * i as i64))],
            )
            .await?;
        }
        let link = serde_json::json!({"kind": "link", "title": "双十二宠物用品特卖", "desc": "全场 5 折起，限时三天",
                                      "url": "https://example.com/activity/double12"});
        let later: i64 = tx
            .query_one(
                "INSERT INTO broadcasts (owner_id, content, send_at) VALUES ($1, $2, $3) RETURNING id",
                &[&zhangwei, &link, &minute(now + Duration::days(1))],
            )
            .await?
            .get(0);
        for group in groups.iter().take(2) {
            tx.execute(
                "INSERT INTO deliveries (task_kind, task_id, group_id) VALUES ('broadcast', $1, $2)",
                &[&later, group],
            )
            .await?;
        }
    }
    // Ad campaigns: one sent two days ago to the 3★ groups, one starting tomorrow.
    let ad = serde_json::json!({"kind": "miniprogram", "title": "萌宠体检 9.9 元", "appid": "wx0123456789abcdef",
                                "pagepath": "pages/checkup/index"});
    let sent: i64 = tx
        .query_one(
            "INSERT INTO campaigns (name, content, min_stars, starts_at, state, created_by, created_at)
             VALUES ('萌宠体检推广', $1, 3, $2, 'done', $3, $2) RETURNING id",
            &[&ad, &(now - Duration::days(2)), &admin],
        )
        .await?
        .get(0);
    tx.execute(
        "INSERT INTO deliveries (task_kind, task_id, group_id, state, sent_at)
         SELECT 'campaign', $1, id, 'sent', $2 FROM groups WHERE state = 'active' AND stars >= 3",
        &[&sent, &(now - Duration::days(2))],
    )
    .await?;
    let text = serde_json::json!({"kind": "text", "text": "【宠物医院】冬季驱虫季，到店立减 30 元"});
    tx.execute(
        "INSERT INTO campaigns (name, content, min_stars, starts_at, created_by) VALUES ('冬季驱虫', $1, 2, $2, $3)",
        &[&text, &(now + Duration::days(1)), &admin],
    )
    .await?;
    tx.execute("INSERT INTO settings (key, value) VALUES ('demo_robots_seeded', 'true')", &[]).await?;
    transaction.commit().await?;
    // Today's snapshot and counters, as the day's first assignment would take them.
    gpet::robots::take_snapshot(ctx, &client, ctx.clock.today()).await?;
    Ok(())
}

/// Money for the wallet, withdrawal and finance pages: two weeks of ad clicks, the settlement
/// of each of those days (run as the job runs it, so incomes and commissions are real ledger
/// entries), past withdrawals paid and failed, and today's withdrawal of 张伟 sent to the
/// sandbox's WeChat Pay, waiting for him to confirm it.
async fn money(ctx: &Ctx) -> anyhow::Result<()> {
    use gpet::ledger;
    use gpet::withdrawals::Move;
    let today = ctx.clock.today();
    let client = ctx.db()?.client().await?;
    client
        .execute(
            "INSERT INTO ad_clicks (trans_id, group_id, owner_id, campaign_id, amount_fen, day)
             SELECT 'seed-' || g.id || '-' || d::date || '-' || n, g.id, g.owner_id, 'demo-campaign',
                    5 + (g.id * 7 + n * 13 + extract(day FROM d)::int * 3) % 60, d::date
             FROM groups g, generate_series($1::date, $2::date, interval '1 day') AS d, generate_series(1, 2) AS n
             WHERE g.owner_id IS NOT NULL AND g.state = 'active' AND (g.id + n + extract(day FROM d)::int) % 3 = 0
             ON CONFLICT DO NOTHING",
            &[&(today.date() - chrono::Days::new(14)), &today.date()],
        )
        .await?;
    let mut day = gpet::clock::BusinessDay::from_date(today.date() - chrono::Days::new(14));
    while day < today {
        gpet::settlement::run(ctx, day, std::time::Duration::from_secs(600)).await?;
        day = day.succ();
    }
    // Past withdrawals (older than the sandbox's records, so without payout attempts): paid,
    // and one failed with its reason, for 张伟 and the first seeded owners with money.
    let owners: Vec<(i64, i64)> = client
        .query(
            "SELECT u.id, a.balance_fen FROM users u JOIN accounts a ON a.user_id = u.id AND a.kind = 'available'
             WHERE (u.openid = 'o_demo_zhangwei' OR u.openid LIKE 'o_seed_%') AND a.balance_fen >= 400
             ORDER BY u.openid = 'o_demo_zhangwei' DESC, u.id LIMIT 8",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (n, (user_id, balance)) in owners.iter().enumerate() {
        for (k, (back, share, failed)) in [(9u64, 4, false), (5, 5, true), (2, 5, false)].iter().enumerate() {
            let amount = (balance / share).min(50_000);
            let wd_day = today.date() - chrono::Days::new(*back + n as u64 % 2);
            let at = gpet::clock::BusinessDay::from_date(wd_day).start() + chrono::Duration::hours(10 + k as i64);
            let mut db = ctx.db()?.client().await?;
            let tx = db.transaction().await?;
            let id: i64 = tx
                .query_one(
                    "WITH next AS (SELECT nextval('withdrawals_id_seq') AS id)
                     INSERT INTO withdrawals (id, user_id, amount_fen, day, state, out_bill_no, openid, user_name,
                         created_at, updated_at, finished_at, result_code, wechat_state, fail_code, failure_reason)
                     SELECT next.id, u.id, $2, $3, CASE WHEN $5 THEN 'failed' ELSE 'success' END, 'GW' || next.id || 'A1',
                         u.openid, coalesce(u.identity_name, u.nickname), $4::timestamptz, $4::timestamptz + interval '3 minutes',
                         $4::timestamptz + interval '3 minutes',
                         CASE WHEN $5 THEN 3001 ELSE 3200 END, CASE WHEN $5 THEN 'FAIL' ELSE 'SUCCESS' END,
                         CASE WHEN $5 THEN 'NAME_NOT_CORRECT' END,
                         CASE WHEN $5 THEN '实名信息与微信实名不一致' END
                     FROM next, users u WHERE u.id = $1 RETURNING id",
                    &[user_id, &amount, &wd_day, &at, failed],
                )
                .await?
                .get(0);
            let end = if *failed { Move::Release } else { Move::Paid };
            for step in [Move::Hold, end] {
                gpet::withdrawals::post_move(&tx, (id, 1), *user_id, amount, wd_day, step).await?;
            }
            tx.commit().await?;
        }
    }
    client.execute("INSERT INTO settings (key, value) VALUES ('demo_money_seeded', 'true')", &[]).await?;
    // Today's: through the product, to the sandbox's WeChat Pay (waiting for 张伟 to confirm).
    let zhangwei: Option<i64> =
        client.query_opt("SELECT id FROM users WHERE openid = 'o_demo_zhangwei'", &[]).await?.map(|r| r.get(0));
    if let Some(user_id) = zhangwei {
        let available = ledger::balances(&client, user_id).await?.available_fen;
        if available >= 200 {
            let new = gpet::withdrawals::NewWithdrawal { amount_fen: (available / 4).clamp(100, 50_000) };
            if let Err(e) = gpet::withdrawals::request(ctx, user_id, &new).await {
                tracing::warn!(error = %e, "the demo withdrawal of today was not made");
            }
        }
    }
    gpet::ledger::audit(ctx, gpet::Deadline::after(std::time::Duration::from_secs(300))).await?;
    Ok(())
}

/// The sandbox forgets its groups when it restarts: tell it about the demo's active groups,
/// a few of them chatting, so that sessions keep moving in `make dev`.
async fn chatter(ctx: &Ctx, sandbox_url: &str) -> anyhow::Result<()> {
    let client = ctx.db()?.client().await?;
    let rows = client
        .query(
            "SELECT g.group_wxid, g.name, g.member_count, r.wxid, o.wxid
             FROM groups g JOIN robots r ON r.id = g.robot_id LEFT JOIN owner_wxids o ON o.user_id = g.owner_id
             WHERE g.state = 'active' AND g.group_wxid LIKE '4%@chatroom' ORDER BY g.id",
            &[],
        )
        .await?;
    let http = reqwest::Client::new();
    for (i, row) in rows.iter().enumerate() {
        let wxid: String = row.get(0);
        let body = serde_json::json!({"name": row.get::<_, String>(1), "member_count": row.get::<_, i32>(2),
                                      "robot_wxid": row.get::<_, String>(3), "owner_wxid": row.get::<_, Option<String>>(4),
                                      "chatter": i < 8});
        http.put(format!("{}/sandbox/robot/groups/{wxid}", sandbox_url.trim_end_matches('/')))
            .json(&body)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .with_context(|| format!("cannot register {wxid} with the sandbox"))?;
    }
    Ok(())
}
