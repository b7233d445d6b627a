//! Demo data for `make dev`: plays the demo that `seed/demo.rs` describes into the database,
//! each part once per database (a settings key remembers it), then tells the sandbox about the
//! demo's groups.

mod demo;

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use gpet::Ctx;
use gpet::operators::{self, ConsolePrincipal, Operator, Role};
use gpet::partners::wechat::UserInfo;
use gpet::users::{self, WechatIdentity};
use gpet::{sensitive_words, short_links};

use demo::Ending;

pub async fn seed(ctx: &Ctx, sandbox_url: &str, admin_password: &str) -> anyhow::Result<()> {
    let client = ctx.db()?.client().await?;
    for (username, role) in demo::OPERATORS {
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
    let demo_users: Vec<SandboxUser> = reqwest::get(&url)
        .await
        .and_then(|r| r.error_for_status())
        .with_context(|| format!("cannot list demo users at {url}"))?
        .json()
        .await?;
    for user in demo_users {
        let identity = if user.snapshot {
            WechatIdentity::Snapshot { openid: user.info.openid.clone(), unionid: user.info.unionid.clone() }
        } else {
            WechatIdentity::Real(user.info)
        };
        users::upsert_from_wechat(&client, &identity).await?;
    }
    let seeded = |key: &'static str| {
        let client = &client;
        async move { anyhow::Ok(client.query_opt("SELECT 1 FROM settings WHERE key = $1", &[&key]).await?.is_some()) }
    };
    if !seeded("demo_seeded").await? {
        owners_and_operations(ctx).await?;
    }
    if !seeded("demo_robots_seeded").await? {
        robots_and_groups(ctx).await?;
    }
    if !seeded("demo_money_seeded").await? {
        money(ctx).await?;
    }
    chatter(ctx, sandbox_url).await?;
    tracing::info!("demo data seeded");
    Ok(())
}

async fn user_id(tx: &tokio_postgres::Transaction<'_>, openid: &str) -> anyhow::Result<Option<i64>> {
    Ok(tx.query_opt("SELECT id FROM users WHERE openid = $1", &[&openid]).await?.map(|r| r.get("id")))
}

async fn admin_id(tx: &tokio_postgres::Transaction<'_>) -> anyhow::Result<i64> {
    Ok(tx.query_one("SELECT id FROM operators WHERE username = 'admin'", &[]).await?.get("id"))
}

fn hours_ago(ctx: &Ctx, hours: i64) -> DateTime<Utc> {
    ctx.clock.now() - Duration::hours(hours)
}

/// Issue 3's pages: the referrals, phones and an identity, more owners, daily active users,
/// notices, words and short links with visits, and the audit entries of the operator who made
/// them.
async fn owners_and_operations(ctx: &Ctx) -> anyhow::Result<()> {
    let mut client = ctx.db()?.client().await?;
    let transaction = client.transaction().await?;
    let tx = &transaction;
    let admin = admin_id(tx).await?;
    let today = ctx.clock.today().date();
    let days_ago = demo::REFERRALS_DAYS_AGO as i32;
    for (apprentice, master) in demo::REFERRALS {
        if let (Some(a), Some(m)) = (user_id(tx, apprentice).await?, user_id(tx, master).await?) {
            tx.execute(
                "UPDATE users u SET master_id = m.id, grand_master_id = m.master_id,
                     bound_at = now() - make_interval(days => $3)
                 FROM users m WHERE u.id = $1 AND m.id = $2 AND u.master_id IS NULL",
                &[&a, &m, &days_ago],
            )
            .await?;
        }
    }
    for v in &demo::VERIFIED {
        let (name, id_number) = v.identity.unzip();
        tx.execute(
            "UPDATE users SET phone = $2, phone_bound_at = now(), identity_name = coalesce($3, identity_name),
                 id_number_masked = coalesce($4, id_number_masked),
                 identity_verified_at = CASE WHEN $3::text IS NULL THEN identity_verified_at ELSE now() END
             WHERE openid = $1",
            &[&v.openid, &v.phone, &name, &id_number],
        )
        .await?;
    }
    let mut masters = Vec::new();
    for master in demo::MORE_OWNERS_MASTERS {
        masters.push(match master {
            Some(openid) => user_id(tx, openid).await?,
            None => None,
        });
    }
    for n in 0..demo::MORE_OWNERS {
        let joined = hours_ago(ctx, demo::MORE_OWNERS_EVERY_HOURS * n + demo::NEWEST_OWNER_HOURS_AGO);
        let id: i64 = tx
            .query_one(
                "INSERT INTO users (openid, nickname, avatar_url, created_at, last_login_at) VALUES ($1, $2, '', $3, $3)
                 ON CONFLICT (openid) DO UPDATE SET nickname = EXCLUDED.nickname RETURNING id",
                &[&format!("o_seed_{n:03}"), &format!("群主{:03}", n + 1), &joined],
            )
            .await?
            .get("id");
        tx.execute(
            "UPDATE users SET invite_code = $2 WHERE id = $1",
            &[&id, &users::InviteCode::for_user(id).as_str()],
        )
        .await?;
        if let Some(master) = masters[n as usize % masters.len()] {
            tx.execute(
                "UPDATE users u SET master_id = m.id, grand_master_id = m.master_id, bound_at = $3
                 FROM users m WHERE u.id = $1 AND m.id = $2 AND u.master_id IS NULL",
                &[&id, &master, &joined],
            )
            .await?;
        }
    }
    for (back, active) in (1..).zip(demo::DAILY_ACTIVE_USERS) {
        tx.execute(
            "INSERT INTO daily_activity (day, active_users) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&(today - Duration::days(back)), &active],
        )
        .await?;
    }
    for m in &demo::MARQUEES {
        let (from, until) = (hours_ago(ctx, m.from_hours_ago), hours_ago(ctx, m.until_hours_ago));
        tx.execute(
            "INSERT INTO marquees (text, starts_at, ends_at, created_by) VALUES ($1, $2, $3, $4)",
            &[&m.text, &from, &until, &admin],
        )
        .await?;
        operators::audit(tx, admin, "marquee.create", None, serde_json::json!({"text": m.text})).await?;
    }
    for word in demo::SENSITIVE_WORDS {
        tx.execute(
            "INSERT INTO sensitive_words (word, normalized, created_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&word, &sensitive_words::normalize(word), &admin],
        )
        .await?;
    }
    tx.execute("SELECT nextval('sensitive_words_version')", &[]).await?;
    let added = demo::SENSITIVE_WORDS.len();
    operators::audit(tx, admin, "sensitive_words.add", None, serde_json::json!({ "added": added })).await?;
    tx.execute("INSERT INTO settings (key, value) VALUES ('demo_seeded', 'true')", &[]).await?;
    transaction.commit().await?;

    // Short links through the domain, as an operator makes them, then their visits.
    let by = ConsolePrincipal {
        operator: Operator { id: admin, username: "admin".into(), role: Role::Admin },
        session_id: uuid::Uuid::nil(),
        must_change_password: false,
    };
    for (url, visits) in demo::SHORT_LINKS {
        let link = short_links::create(ctx, &by, short_links::NewShortLink { url: url.into() }).await?;
        client.execute("UPDATE short_links SET visits = $2 WHERE id = $1", &[&link.id, &visits]).await?;
    }
    Ok(())
}

/// Sessions of group `n` (numbered from 1) `back` days ago (0: today so far), chatting around
/// `a_day` a day: a weekly wave of 70–130 %, at least one when it chats at all, half by now
/// today; none for a cancelled group's last 4 days.
fn sessions(n: usize, back: i64, a_day: i32, ending: Ending) -> i32 {
    if ending == Ending::Cancelled && back <= 3 {
        return 0;
    }
    let wave = ((n as i64 * 5 + back * 3) % 7) as i32;
    let sessions = (a_day * (7 + wave) / 10).max(if a_day > 0 { 1 } else { 0 });
    if back == 0 { sessions / 2 } else { sessions }
}

/// Issue 4's pages: the strategy, the robots with two weeks of use, the owners' pairings and
/// groups with up to 15 days of sessions and yesterday's stars, keywords, mass messages with
/// their outcomes and ad campaigns.
async fn robots_and_groups(ctx: &Ctx) -> anyhow::Result<()> {
    let mut client = ctx.db()?.client().await?;
    let transaction = client.transaction().await?;
    let tx = &transaction;
    let admin = admin_id(tx).await?;
    let strategy: serde_json::Value = serde_json::from_str(demo::DISTRIBUTION)?;
    tx.execute(
        "INSERT INTO settings (key, value, updated_by) VALUES ('distribution', $1, $2) ON CONFLICT (key) DO NOTHING",
        &[&strategy, &admin],
    )
    .await?;
    let mut robots = Vec::new();
    for (n, robot) in (1..).zip(&demo::ROBOTS) {
        let wxid = format!("wxid_demo_robot_{n}");
        let id: i64 = tx
            .query_one(
                "INSERT INTO robots (platform_id, wxid, nickname, qr_code_url, capacity, enabled, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, now() - interval '30 days')
                 ON CONFLICT (wxid) DO UPDATE SET nickname = EXCLUDED.nickname RETURNING id",
                &[
                    &format!("demo-{n}"),
                    &wxid,
                    &robot.nickname,
                    &format!("https://qr.example.cn/{wxid}.png"),
                    &robot.capacity,
                    &robot.enabled,
                ],
            )
            .await?
            .get("id");
        operators::audit(tx, admin, "robot.create", Some(&id.to_string()), serde_json::json!({ "wxid": wxid })).await?;
        robots.push(id);
    }
    groups(ctx, tx, &robots).await?;
    robot_health(ctx, tx, &robots).await?;
    robot_use(ctx, tx, &robots).await?;
    keywords(tx).await?;
    broadcasts(ctx, tx).await?;
    campaigns(ctx, tx, admin).await?;
    tx.execute("INSERT INTO settings (key, value) VALUES ('demo_robots_seeded', 'true')", &[]).await?;
    transaction.commit().await?;
    // Today's snapshot and counters, as the day's first assignment would take them.
    gpet::robots::take_snapshot(ctx, &client, ctx.clock.today()).await?;
    Ok(())
}

/// The owners' pairings and groups, each active group with its sessions since it joined (up to
/// 15 days) and yesterday's stars.
async fn groups(ctx: &Ctx, tx: &tokio_postgres::Transaction<'_>, robots: &[i64]) -> anyhow::Result<()> {
    let today = ctx.clock.today().date();
    let now = ctx.clock.now();
    let settings = gpet::settings::GroupSettings::default();
    let mut n = 0;
    for owner in demo::GROUP_OWNERS {
        let owner_id = user_id(tx, owner.openid).await?.with_context(|| format!("no demo owner {}", owner.openid))?;
        tx.execute(
            "INSERT INTO owner_wxids (wxid, user_id, robot_id, paired_at) VALUES ($1, $2, $3, now() - interval '20 days')
             ON CONFLICT DO NOTHING",
            &[&format!("wxid_{}", owner.openid), &owner_id, &robots[owner.paired_with - 1]],
        )
        .await?;
        for group in owner.groups {
            n += 1;
            let joined = now - Duration::days(group.joined_days_ago) - Duration::hours(2);
            let exit = group.ending.exit();
            let reason = exit.map(|(reason, _)| reason);
            let exited = exit.map(|(_, hours)| hours.map_or(joined, |h| now - Duration::hours(h)));
            let id: i64 = tx
                .query_one(
                    "INSERT INTO groups (group_wxid, name, robot_id, owner_id, state, state_at, member_count, member_count_at,
                                         joined_at, exited_at, exit_reason)
                     VALUES ($1, $2, $3, $4, $5, coalesce($8::timestamptz, $7), $6, $7, $7, $8, $9) RETURNING id",
                    &[
                        &format!("{}@chatroom", 40_000_000 + n),
                        &group.name,
                        &robots[group.robot - 1],
                        &owner_id,
                        &group.ending.state(),
                        &group.members,
                        &joined,
                        &exited,
                        &reason,
                    ],
                )
                .await?
                .get("id");
            if group.ending == Ending::Refused {
                continue;
            }
            for back in 0..=group.joined_days_ago.min(15) {
                let sessions = sessions(n, back, group.sessions_a_day, group.ending);
                let speakers = (sessions / 6).min(group.members).max(if sessions > 0 { 1 } else { 0 });
                let stars = (back > 0).then(|| settings.stars(i64::from(sessions)));
                tx.execute(
                    "INSERT INTO group_daily (group_id, day, sessions, speakers, stars) VALUES ($1, $2, $3, $4, $5)",
                    &[&id, &(today - Duration::days(back)), &sessions, &speakers, &stars],
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
    Ok(())
}

/// The robots' health: one banned (its groups out since, their days rated and protected as the
/// rating would), and the risk events the console lists.
async fn robot_health(ctx: &Ctx, tx: &tokio_postgres::Transaction<'_>, robots: &[i64]) -> anyhow::Result<()> {
    for event in &demo::RISK_EVENTS {
        tx.execute(
            "INSERT INTO robot_risk_events (robot_id, kind, detail, at) VALUES ($1, $2, $3, $4)",
            &[&robots[event.robot - 1], &event.kind, &event.detail, &hours_ago(ctx, event.hours_ago)],
        )
        .await?;
    }
    let banned = robots[demo::BANNED_ROBOT - 1];
    let since = hours_ago(ctx, demo::BANNED_HOURS_AGO);
    tx.execute("UPDATE robots SET platform_state = 'banned', platform_state_at = $2 WHERE id = $1", &[&banned, &since])
        .await?;
    let robot = gpet::settings::RobotSettings::default();
    let today = ctx.clock.today();
    let stars = gpet::settings::GroupSettings::default().star_thresholds.map(i64::from).to_vec();
    // The outage, from the stars held before it; no session after the ban; each past day's
    // stars, time out and protection as the rating sets them.
    tx.execute(
        "INSERT INTO group_outages (group_id, robot_id, reason, stars_before, started_at)
         SELECT id, robot_id, 'banned', stars, $2 FROM groups WHERE robot_id = $1 AND state = 'active'",
        &[&banned, &since],
    )
    .await?;
    tx.execute(
        "UPDATE group_daily d SET sessions = 0, speakers = 0
         FROM group_outages o WHERE o.group_id = d.group_id AND o.robot_id = $1
           AND d.day::timestamp AT TIME ZONE 'Asia/Shanghai' >= o.started_at",
        &[&banned],
    )
    .await?;
    tx.execute(
        "UPDATE group_daily d SET stars = group_stars(d.sessions, $3::bigint[]),
             outage_secs = EXTRACT(EPOCH FROM least((d.day + 1)::timestamp AT TIME ZONE 'Asia/Shanghai', $6::timestamptz)
                                   - greatest(d.day::timestamp AT TIME ZONE 'Asia/Shanghai', o.started_at))::int,
             protected_stars = CASE WHEN least((d.day + 1)::timestamp AT TIME ZONE 'Asia/Shanghai', $6::timestamptz)
                                         - greatest(d.day::timestamp AT TIME ZONE 'Asia/Shanghai', o.started_at)
                                         > make_interval(mins => $4)
                                     AND d.day > (o.started_at AT TIME ZONE 'Asia/Shanghai')::date - $5::int
                                    THEN o.stars_before END
         FROM group_outages o WHERE o.group_id = d.group_id AND o.robot_id = $1 AND d.day < $2
           AND (d.day + 1)::timestamp AT TIME ZONE 'Asia/Shanghai' > o.started_at",
        &[&banned, &today.date(), &stars, &(robot.protect_after_mins as i32), &(robot.protect_days as i32), &ctx.clock.now()],
    )
    .await?;
    tx.execute(
        "UPDATE groups g SET stars = d.stars FROM group_daily d
         WHERE g.robot_id = $1 AND g.state = 'active' AND d.group_id = g.id AND d.day = $2",
        &[&banned, &today.pred().date()],
    )
    .await?;
    Ok(())
}

/// Two weeks of the robots' use: each day's snapshot of free places and what the counters reached.
async fn robot_use(ctx: &Ctx, tx: &tokio_postgres::Transaction<'_>, robots: &[i64]) -> anyhow::Result<()> {
    let today = ctx.clock.today().date();
    for back in 1..=14 {
        for (robot, id) in demo::ROBOTS.iter().zip(robots) {
            let (Some(free), Some(displayed)) = (robot.free_places.get(back - 1), robot.displayed.get(back - 1)) else {
                continue;
            };
            tx.execute(
                "INSERT INTO robot_snapshots (day, robot_id, free_places, distributed, displayed, activated)
                 VALUES ($1, $2, $3, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[&(today - Duration::days(back as i64)), id, free, displayed, &(displayed / 3)],
            )
            .await?;
        }
    }
    Ok(())
}

async fn keywords(tx: &tokio_postgres::Transaction<'_>) -> anyhow::Result<()> {
    if let Some(owner) = user_id(tx, demo::KEYWORDS_OWNER).await? {
        for (keyword, reply) in demo::KEYWORDS {
            tx.execute(
                "INSERT INTO keywords (owner_id, keyword, reply) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&owner, &keyword, &reply],
            )
            .await?;
        }
    }
    Ok(())
}

/// The mass messages, with their deliveries.
async fn broadcasts(ctx: &Ctx, tx: &tokio_postgres::Transaction<'_>) -> anyhow::Result<()> {
    if let Some(owner) = user_id(tx, demo::BROADCASTS_OWNER).await? {
        let groups: Vec<i64> = tx
            .query("SELECT id FROM groups WHERE owner_id = $1 AND state = 'active' ORDER BY id", &[&owner])
            .await?
            .iter()
            .map(|r| r.get("id"))
            .collect();
        for b in &demo::BROADCASTS {
            let at = chrono::DurationRound::duration_trunc(hours_ago(ctx, b.hours_ago), Duration::minutes(1))
                .expect("a minute divides any time");
            let content: serde_json::Value = serde_json::from_str(b.content)?;
            let to = &groups[..b.groups.unwrap_or(groups.len()).min(groups.len())];
            match b.sent {
                Some((failed, code, reason)) => {
                    let id: i64 = tx
                        .query_one(
                            "INSERT INTO broadcasts (owner_id, content, send_at, state, created_at)
                             VALUES ($1, $2, $3, 'done', $3) RETURNING id",
                            &[&owner, &content, &at],
                        )
                        .await?
                        .get("id");
                    for (i, group) in to.iter().enumerate() {
                        let (state, code, reason) =
                            if i == failed { ("failed", Some(code), Some(reason)) } else { ("sent", None, None) };
                        tx.execute(
                            "INSERT INTO deliveries (task_kind, task_id, group_id, state, code, reason, sent_at)
                             VALUES ('broadcast', $1, $2, $3, $4, $5, $6)",
                            &[&id, group, &state, &code, &reason, &(at + Duration::seconds(3 * i as i64))],
                        )
                        .await?;
                    }
                }
                None => {
                    let id: i64 = tx
                        .query_one(
                            "INSERT INTO broadcasts (owner_id, content, send_at) VALUES ($1, $2, $3) RETURNING id",
                            &[&owner, &content, &at],
                        )
                        .await?
                        .get("id");
                    for group in to {
                        tx.execute(
                            "INSERT INTO deliveries (task_kind, task_id, group_id) VALUES ('broadcast', $1, $2)",
                            &[&id, group],
                        )
                        .await?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The ad campaigns, with the deliveries of the one that was sent.
async fn campaigns(ctx: &Ctx, tx: &tokio_postgres::Transaction<'_>, admin: i64) -> anyhow::Result<()> {
    for c in &demo::CAMPAIGNS {
        let content: serde_json::Value = serde_json::from_str(c.content)?;
        let starts = hours_ago(ctx, c.hours_ago);
        if c.done {
            let id: i64 = tx
                .query_one(
                    "INSERT INTO campaigns (name, content, min_stars, starts_at, state, created_by, created_at)
                     VALUES ($1, $2, $3, $4, 'done', $5, $4) RETURNING id",
                    &[&c.name, &content, &c.min_stars, &starts, &admin],
                )
                .await?
                .get("id");
            tx.execute(
                "INSERT INTO deliveries (task_kind, task_id, group_id, state, sent_at)
                 SELECT 'campaign', $1, id, 'sent', $2 FROM groups WHERE state = 'active' AND stars >= $3",
                &[&id, &starts, &c.min_stars],
            )
            .await?;
        } else {
            tx.execute(
                "INSERT INTO campaigns (name, content, min_stars, starts_at, created_by) VALUES ($1, $2, $3, $4, $5)",
                &[&c.name, &content, &c.min_stars, &starts, &admin],
            )
            .await?;
        }
    }
    Ok(())
}

/// The wallet, withdrawal and finance pages: the ad clicks of the last days, the settlement of
/// each of those days (run as the job runs it, so incomes and commissions are real ledger
/// entries), past withdrawals paid and failed (older than the sandbox's records, so without
/// payout attempts), and today's withdrawal sent to the sandbox's WeChat Pay.
async fn money(ctx: &Ctx) -> anyhow::Result<()> {
    use gpet::withdrawals::Move;
    let today = ctx.clock.today();
    let first = today.date() - chrono::Days::new(demo::AD_CLICK_DAYS);
    let client = ctx.db()?.client().await?;
    // Each active group clicked on some days, 5 to 64 fen a click.
    client
        .execute(
            "INSERT INTO ad_clicks (trans_id, group_id, owner_id, campaign_id, amount_fen, day)
             SELECT 'seed-' || g.id || '-' || d::date || '-' || n, g.id, g.owner_id, 'demo-campaign',
                    5 + (g.id * 7 + n * 13 + extract(day FROM d)::int * 3) % 60, d::date
             FROM groups g, generate_series($1::date, $2::date, interval '1 day') AS d, generate_series(1, 2) AS n
             WHERE g.owner_id IS NOT NULL AND g.state = 'active' AND (g.id + n + extract(day FROM d)::int) % 3 = 0
             ON CONFLICT DO NOTHING",
            &[&first, &today.date()],
        )
        .await?;
    let mut day = gpet::BusinessDay::from_date(first);
    while day < today {
        gpet::settlement::run(ctx, day, std::time::Duration::from_secs(600)).await?;
        day = day.succ();
    }
    let owners: Vec<(i64, i64)> = client
        .query(
            "SELECT u.id, a.balance_fen FROM users u JOIN accounts a ON a.user_id = u.id AND a.kind = 'available'
             WHERE (u.openid = 'o_demo_zhangwei' OR u.openid LIKE 'o_seed_%') AND a.balance_fen >= $1
             ORDER BY u.openid = 'o_demo_zhangwei' DESC, u.id LIMIT $2",
            &[&demo::WITHDRAWING_MIN_FEN, &demo::WITHDRAWING_OWNERS],
        )
        .await?
        .iter()
        .map(|r| (r.get("id"), r.get("balance_fen")))
        .collect();
    let (failed_code, fail_code, failure_reason) = demo::FAILED_PAYOUT;
    for (n, (user_id, balance)) in owners.iter().enumerate() {
        for (k, w) in demo::PAST_WITHDRAWALS.iter().enumerate() {
            let amount = (balance / w.share).min(demo::WITHDRAWAL_MAX_FEN);
            let wd_day = today.date() - chrono::Days::new(w.days_ago + n as u64 % 2);
            let at = gpet::BusinessDay::from_date(wd_day).start() + Duration::hours(10 + k as i64);
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
                         CASE WHEN $5 THEN $6::int ELSE 3200 END, CASE WHEN $5 THEN 'FAIL' ELSE 'SUCCESS' END,
                         CASE WHEN $5 THEN $7::text END, CASE WHEN $5 THEN $8::text END
                     FROM next, users u WHERE u.id = $1 RETURNING id",
                    &[user_id, &amount, &wd_day, &at, &w.failed, &failed_code, &fail_code, &failure_reason],
                )
                .await?
                .get("id");
            let end = if w.failed { Move::Release } else { Move::Paid };
            for step in [Move::Hold, end] {
                let (id, user) = (gpet::WithdrawalId::new(id), gpet::UserId::new(*user_id));
                gpet::withdrawals::post_move(&tx, (id, 1), user, gpet::Fen::new(amount), wd_day, step).await?;
            }
            tx.commit().await?;
        }
    }
    client.execute("INSERT INTO settings (key, value) VALUES ('demo_money_seeded', 'true')", &[]).await?;
    let withdrawer = client.query_opt("SELECT id FROM users WHERE openid = $1", &[&demo::TODAY_WITHDRAWER]).await?;
    if let Some(user_id) = withdrawer.map(|r| r.get::<_, i64>("id")) {
        let available = gpet::ledger::balances(&client, gpet::UserId::new(user_id)).await?.available_fen.get();
        if available >= demo::TODAY_MIN_FEN {
            let amount = (available / demo::TODAY_SHARE).clamp(demo::TODAY_AMOUNT_MIN_FEN, demo::WITHDRAWAL_MAX_FEN);
            let new = gpet::withdrawals::NewWithdrawal { amount_fen: gpet::Fen::new(amount) };
            if let Err(e) = gpet::withdrawals::request(ctx, gpet::UserId::new(user_id), &new).await {
                tracing::warn!(error = %e, "the demo withdrawal of today was not made");
            }
        }
    }
    gpet::ledger::audit(ctx, gpet::Deadline::after(std::time::Duration::from_secs(300))).await?;
    Ok(())
}

/// The sandbox forgets its groups and robots when it restarts: tell it about the demo's active
/// groups, a few of them chatting, so that sessions keep moving in `make dev`, and about the
/// robots, so that their heartbeats keep them online (and the banned one banned).
async fn chatter(ctx: &Ctx, sandbox_url: &str) -> anyhow::Result<()> {
    let client = ctx.db()?.client().await?;
    let rows = client
        .query(
            "SELECT g.group_wxid, g.name, g.member_count, r.wxid AS robot_wxid, o.wxid AS owner_wxid
             FROM groups g JOIN robots r ON r.id = g.robot_id LEFT JOIN owner_wxids o ON o.user_id = g.owner_id
             WHERE g.state = 'active' AND g.group_wxid LIKE '4%@chatroom' ORDER BY g.id",
            &[],
        )
        .await?;
    let http = reqwest::Client::new();
    for (i, row) in rows.iter().enumerate() {
        let wxid: String = row.get("group_wxid");
        let body = serde_json::json!({"name": row.get::<_, String>("name"), "member_count": row.get::<_, i32>("member_count"),
                                      "robot_wxid": row.get::<_, String>("robot_wxid"),
                                      "owner_wxid": row.get::<_, Option<String>>("owner_wxid"),
                                      "chatter": i < 8});
        http.put(format!("{}/sandbox/robot/groups/{wxid}", sandbox_url.trim_end_matches('/')))
            .json(&body)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .with_context(|| format!("cannot register {wxid} with the sandbox"))?;
    }
    // The platform knows the demo's robots (and heartbeats them) and keeps the banned one banned.
    let robots = client.query("SELECT wxid, platform_state FROM robots WHERE enabled ORDER BY id", &[]).await?;
    for row in robots {
        let wxid: String = row.get("wxid");
        let fault = if row.get::<_, String>("platform_state") == "banned" { "ban" } else { "none" };
        http.post(format!("{}/sandbox/robot/faults", sandbox_url.trim_end_matches('/')))
            .json(&serde_json::json!({"robot_wxid": wxid, "fault": fault}))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .with_context(|| format!("cannot tell the sandbox of {wxid}"))?;
    }
    Ok(())
}
