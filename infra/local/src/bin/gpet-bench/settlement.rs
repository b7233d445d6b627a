//! i. Generates day D (yesterday) for SETTLE_GROUPS active groups (see the constants), checks
//!    the data against the schema's foreign keys, computes what the day must credit, then times
//!    `settlement::run(D)` with a budget long enough for the whole day. The run must end done,
//!    with the total credited (by the run's figures and by the ledger) equal to the expected,
//!    and the ledger audit (`ledger::check`) clean. Against one `INSERT … SELECT` of
//!    SETTLE_GROUPS rows into a table shaped like ledger_entries (a bigserial primary key, no
//!    other index, no trigger). Then the same day again: every step is done, nothing is credited.
//!    The data stays in the bench's database (the ledger is append-only), dropped at the end.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;

use crate::figures::{Table, fine_ratio, fine_times, ms, num, per_s, percentile, rate, ratio, same, secs, times};
use gpet::settlement::RunState;

use crate::stack::Stack;

/// The settlement's day (yesterday) is generated with SETTLE_GROUPS active groups on
/// SETTLE_ROBOTS robots, owned by owners with 1–8 groups each (a quarter of them one, a tenth
/// eight: ~250,000 owners); SETTLE_MASTER_PCT % of the owners bound to a master among earlier
/// owners (skewed toward the first ones, so that a few masters have hundreds of apprentices) and
/// so to a grand-master when their master has one. SETTLE_DAILY_PCT % of the groups have a
/// group_daily row for the day, sessions spread from 0 to ~2,000 (every star level, most
/// groups at 2★), stars already rated on 90 % of the rows; SETTLE_AD_PCT % of the groups have
/// 1–3 ad clicks that day; SETTLE_LATE_JOIN_PCT % of the groups joined during the day.
/// GPET_BENCH_SETTLE_GROUPS overrides SETTLE_GROUPS, to try the section quickly.
const SETTLE_GROUPS: i64 = 1_000_000;
const SETTLE_ROBOTS: i64 = 100;
const SETTLE_MASTER_PCT: i64 = 60;
const SETTLE_DAILY_PCT: i64 = 92;
const SETTLE_AD_PCT: i64 = 10;
const SETTLE_LATE_JOIN_PCT: i64 = 2;
/// One call to `settlement::run` does the whole day (the job gives it what its deadline leaves).
const SETTLE_BUDGET: Duration = Duration::from_secs(3_600);
/// Issue 5's aim for the whole day on this machine.
const SETTLE_AIM: Duration = Duration::from_secs(30);

#[derive(Serialize)]
pub struct Settlement {
    day: String,
    owners: i64,
    owners_with_master: i64,
    owners_with_grand_master: i64,
    most_apprentices: i64,
    groups: i64,
    group_daily_rows: i64,
    groups_by_stars: Vec<i64>,
    ad_clicks: i64,
    groups_with_ads: i64,
    generation_seconds: f64,
    steps: i32,
    step_p50_ms: f64,
    step_max_ms: f64,
    seconds: f64,
    groups_credited: i64,
    users_credited: i64,
    entries_credited: i64,
    entries: i64,
    credits_per_s: f64,
    groups_per_s: f64,
    group_income_fen: i64,
    ad_income_fen: i64,
    commission_fen: i64,
    total_fen: i64,
    expected_total_fen: i64,
    total_matches: bool,
    audit_ok: bool,
    audit_seconds: f64,
    ledger: Ledger,
    second_run_ms: f64,
    second_run_state: String,
    anchor: Anchor,
    ratio_time_to_anchor: Option<f64>,
    ratio_rate_to_anchor: Option<f64>,
    aim_seconds: u64,
    meets_aim: bool,
}

/// The whole ledger after the run, as the audit counted it.
#[derive(Serialize)]
struct Ledger {
    accounts: i64,
    entries: i64,
    transactions: i64,
}

#[derive(Serialize)]
struct Anchor {
    statement: &'static str,
    rows: u64,
    seconds: f64,
    rows_per_s: f64,
}

/// How many groups to settle: SETTLE_GROUPS unless GPET_BENCH_SETTLE_GROUPS says otherwise.
fn settle_groups() -> anyhow::Result<i64> {
    match std::env::var("GPET_BENCH_SETTLE_GROUPS").ok().filter(|v| !v.trim().is_empty()) {
        None => Ok(SETTLE_GROUPS),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .with_context(|| format!("GPET_BENCH_SETTLE_GROUPS={v}: not a number of groups")),
    }
}

/// The statements that generate day `day`'s settlement data for `groups` groups (one session:
/// its functions are temporary), without triggers as a restore loads (session_replication_role
/// = replica): each user's two accounts are inserted here as users_open_accounts would, each
/// group's membership as groups_record_owner would, and the foreign keys are checked by
/// [`orphans`] afterwards. Pseudo-random by hashing: the same data every run.
fn settlement_data_sql(day: chrono::NaiveDate, start: &str, end: &str, groups: i64) -> String {
    format!(
        "SET session_replication_role = replica;
         CREATE FUNCTION pg_temp.u(n bigint, salt int) RETURNS float8 IMMUTABLE LANGUAGE sql
             AS $$ SELECT (hashint8(n * 16 + salt)::float8 + 2147483648.0) / 4294967296.0 $$;
         -- Owner n's master: an earlier owner, the first ones far likelier.
         CREATE FUNCTION pg_temp.master(n bigint) RETURNS bigint IMMUTABLE LANGUAGE sql
             AS $$ SELECT CASE WHEN n > 1 AND pg_temp.u(n, 1) < {SETTLE_MASTER_PCT} / 100.0
                               THEN 1 + floor((n - 1) * pg_temp.u(n, 2) ^ 2)::bigint END $$;
         CREATE TEMP TABLE bench_base AS
             SELECT (SELECT coalesce(max(id), 0) FROM users) AS users, (SELECT coalesce(max(id), 0) FROM groups) AS groups,
                    (SELECT coalesce(max(id), 0) FROM robots) AS robots;
         INSERT INTO robots (id, platform_id, wxid, nickname, qr_code_url, capacity, enabled)
         SELECT b.robots + r, 'bench-settle-' || r, 'wxid_bench_settle_' || r, '结算 ' || r,
                'https://qr.example.cn/settle' || r || '.png', 10000, false
         FROM bench_base b, generate_series(1, {SETTLE_ROBOTS}) r;
         SELECT setval('robots_id_seq', (SELECT max(id) FROM robots));
         -- Owner n has c groups, numbered from first.
         CREATE TEMP TABLE bench_owners AS
         SELECT n, c, first FROM (
             SELECT n, c, sum(c) OVER (ORDER BY n) - c AS first FROM (
                 SELECT n, CASE WHEN x < 24 THEN 1 WHEN x < 40 THEN 2 WHEN x < 52 THEN 3 WHEN x < 62 THEN 4
                                WHEN x < 71 THEN 5 WHEN x < 80 THEN 6 WHEN x < 90 THEN 7 ELSE 8 END AS c
                 FROM (SELECT n, floor(pg_temp.u(n, 3) * 100) AS x FROM generate_series(1, {groups} / 2) n) s) s) s
         WHERE first < {groups};
         INSERT INTO users (id, openid, nickname, master_id, grand_master_id, bound_at, created_at)
         SELECT b.users + n, 'o_bench_settle_' || n, '群主 ' || n, b.users + m, b.users + pg_temp.master(m),
                CASE WHEN m IS NOT NULL THEN timestamptz '{start}' - interval '30 days' END,
                timestamptz '{start}' - interval '60 days'
         FROM (SELECT n, pg_temp.master(n) AS m FROM bench_owners) o, bench_base b;
         SELECT setval('users_id_seq', (SELECT max(id) FROM users));
         INSERT INTO accounts (user_id, kind)
         SELECT b.users + n, k FROM bench_owners, bench_base b, unnest(ARRAY['available', 'held']) k;
         INSERT INTO groups (id, group_wxid, name, robot_id, owner_id, state, state_at, member_count, joined_at)
         SELECT b.groups + 1 + g, 'bench_s' || g || '@chatroom', '群 ' || g, b.robots + 1 + g % {SETTLE_ROBOTS},
                b.users + o.n, 'active', j, 50 + g % 400, j
         FROM bench_owners o, bench_base b, generate_series(o.first, least(o.first + o.c, {groups}) - 1) g,
              LATERAL (SELECT CASE WHEN pg_temp.u(g, 4) < {SETTLE_LATE_JOIN_PCT} / 100.0
                                   THEN timestamptz '{start}' + pg_temp.u(g, 5) * (timestamptz '{end}' - timestamptz '{start}')
                                   ELSE timestamptz '{start}' - (1 + pg_temp.u(g, 5) * 300) * interval '1 day' END AS j) t;
         SELECT setval('groups_id_seq', (SELECT max(id) FROM groups));
         INSERT INTO group_owners (group_id, since, owner_id, until)
         SELECT g.id, g.joined_at, g.owner_id, g.exited_at FROM groups g, bench_base b
         WHERE g.id > b.groups AND g.state <> 'refused' AND g.owner_id IS NOT NULL;
         -- Sessions from 0 to ~2,000, log-uniform: 1★ to 5★ (at the default thresholds 1, 50, 200, 500).
         INSERT INTO group_daily (group_id, day, sessions, speakers, stars)
         SELECT b.groups + 1 + g, '{day}', s, least(s, 1 + s / 3),
                CASE WHEN pg_temp.u(g, 8) < 0.9 THEN 1 + (s >= 1)::int + (s >= 50)::int + (s >= 200)::int + (s >= 500)::int END
         FROM bench_base b, generate_series(0, {groups} - 1) g, LATERAL (SELECT floor(2000 ^ pg_temp.u(g, 7))::int - 1 AS s) t
         WHERE pg_temp.u(g, 6) < {SETTLE_DAILY_PCT} / 100.0;
         INSERT INTO ad_clicks (trans_id, group_id, owner_id, campaign_id, amount_fen, day, received_at)
         SELECT 'Tbench' || g || 'k' || k, gr.id, gr.owner_id, 'bench', 1 + floor(pg_temp.u(g * 4 + k, 10) * 300)::int, '{day}',
                greatest(gr.joined_at, timestamptz '{start}') + pg_temp.u(g * 4 + k, 11) * interval '1 minute'
         FROM bench_base b, generate_series(0, {groups} - 1) g,
              generate_series(1, 1 + floor(pg_temp.u(g, 12) * 3)::int) k, groups gr
         WHERE pg_temp.u(g, 9) < {SETTLE_AD_PCT} / 100.0 AND gr.id = b.groups + 1 + g;
         SET session_replication_role = DEFAULT;"
    )
}

/// Rows the foreign keys (not checked while the data was generated) would refuse, and users
/// without their two accounts: zero each, or the data is not what the schema allows.
async fn orphans(db: &tokio_postgres::Client) -> anyhow::Result<()> {
    let row = db
        .query_one(
            "SELECT (SELECT count(*) FROM groups g WHERE NOT EXISTS (SELECT 1 FROM robots r WHERE r.id = g.robot_id)
                        OR (g.owner_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = g.owner_id)))
                        AS groups,
                    (SELECT count(*) FROM users u WHERE (u.master_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users m WHERE m.id = u.master_id))
                        OR (u.grand_master_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users m WHERE m.id = u.grand_master_id)))
                        AS users,
                    (SELECT count(*) FROM group_daily d WHERE NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = d.group_id))
                        AS group_days,
                    (SELECT count(*) FROM ad_clicks a WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = a.owner_id))
                        AS ad_clicks,
                    (SELECT count(*) FROM users u WHERE (SELECT count(*) FROM accounts a WHERE a.user_id = u.id) <> 2)
                        AS accounts",
            &[],
        )
        .await?;
    let counts: [i64; 5] =
        [row.get("groups"), row.get("users"), row.get("group_days"), row.get("ad_clicks"), row.get("accounts")];
    anyhow::ensure!(
        counts == [0; 5],
        "the generated data breaks the schema: groups without robot or owner, users without master or grand-master, \
         group_daily without group, ad clicks without owner, users without two accounts = {counts:?}"
    );
    Ok(())
}

/// What the day's settlement must credit, computed from the data by one query written apart
/// from the settlement's: every group active at some time during the day (by its membership, or
/// by sessions on the day; never a refused one) earns its stars' income (its rating, else its
/// sessions' stars), the ad clicks of the day their owner, and each owner's master and
/// grand-master floor(income × rate) per kind. Answers group, ad and commission fen, then the
/// entries crediting users (groups, (group, owner) ad pairs and commissions of at least a fen),
/// the groups credited and the users credited.
async fn settlement_expected(
    db: &tokio_postgres::Client,
    day: gpet::BusinessDay,
    rules: &gpet::settlement::Rules,
) -> anyhow::Result<[i64; 6]> {
    let [t1, t2, t3, t4] = rules.star_thresholds.map(|t| t as i32);
    let income: Vec<i64> = rules.star_income_fen.iter().map(|f| i64::from(*f)).collect();
    let rates =
        [rules.master_rate_bp, rules.master_ad_rate_bp, rules.grand_master_rate_bp, rules.grand_master_ad_rate_bp]
            .map(i64::from);
    let row = db
        .query_one(
            "WITH active AS (
                 SELECT g.id, g.owner_id,
                        ($7::bigint[])[coalesce(d.stars, CASE WHEN coalesce(d.sessions, 0) >= $6::int THEN 5
                                                            WHEN coalesce(d.sessions, 0) >= $5::int THEN 4
                                                            WHEN coalesce(d.sessions, 0) >= $4::int THEN 3
                                                            WHEN coalesce(d.sessions, 0) >= $3::int THEN 2 ELSE 1 END)] AS fen
                 FROM groups g LEFT JOIN group_daily d ON d.group_id = g.id AND d.day = $8::date
                 WHERE g.owner_id IS NOT NULL AND g.state <> 'refused'
                   AND ((g.joined_at < $2::timestamptz AND coalesce(g.exited_at, $1::timestamptz) >= $1)
                        OR coalesce(d.sessions, 0) > 0)
             ), per_owner AS (
                 SELECT owner_id, sum(fen) AS gi, count(*) FILTER (WHERE fen > 0) AS entries FROM active GROUP BY owner_id
             ), ads AS (
                 SELECT owner_id, sum(amount_fen) AS ai, count(DISTINCT group_id) AS entries FROM ad_clicks WHERE day = $8
                 GROUP BY owner_id
             ), earners AS (
                 SELECT owner_id, coalesce(p.gi, 0) AS gi, coalesce(a.ai, 0) AS ai,
                        coalesce(p.entries, 0) + coalesce(a.entries, 0) AS entries
                 FROM per_owner p FULL JOIN ads a USING (owner_id)
             ), paid AS (
                 SELECT e.owner_id, u.master_id, u.grand_master_id, e.gi, e.ai, e.entries,
                        CASE WHEN u.master_id IS NULL THEN 0 ELSE floor(e.gi * $9::bigint / 10000.0) END AS mg,
                        CASE WHEN u.master_id IS NULL THEN 0 ELSE floor(e.ai * $10::bigint / 10000.0) END AS ma,
                        CASE WHEN u.grand_master_id IS NULL THEN 0 ELSE floor(e.gi * $11::bigint / 10000.0) END AS gg,
                        CASE WHEN u.grand_master_id IS NULL THEN 0 ELSE floor(e.ai * $12::bigint / 10000.0) END AS ga
                 FROM earners e JOIN users u ON u.id = e.owner_id
             ), credited AS (
                 SELECT owner_id AS user_id FROM paid WHERE entries > 0
                 UNION SELECT master_id FROM paid WHERE mg > 0 OR ma > 0
                 UNION SELECT grand_master_id FROM paid WHERE gg > 0 OR ga > 0
             )
             SELECT sum(gi)::bigint AS group_fen, sum(ai)::bigint AS ad_fen, sum(mg + ma + gg + ga)::bigint AS commission_fen,
                    (sum(entries) + count(*) FILTER (WHERE mg > 0) + count(*) FILTER (WHERE ma > 0)
                        + count(*) FILTER (WHERE gg > 0) + count(*) FILTER (WHERE ga > 0))::bigint AS credits,
                    (SELECT count(*) FROM active WHERE fen > 0) AS groups_paid,
                    (SELECT count(*) FROM credited) AS users_paid
             FROM paid",
            &[
                &day.start(),
                &day.succ().start(),
                &t1,
                &t2,
                &t3,
                &t4,
                &income,
                &day.date(),
                &rates[0],
                &rates[1],
                &rates[2],
                &rates[3],
            ],
        )
        .await?;
    Ok(["group_fen", "ad_fen", "commission_fen", "credits", "groups_paid", "users_paid"].map(|c| row.get(c)))
}

pub async fn measure(stack: &Stack) -> anyhow::Result<Settlement> {
    let day = stack.ctx().clock.today().pred();
    let wanted_groups = settle_groups()?;
    // As the superuser: loading without triggers (session_replication_role) is not the
    // application role's to do. The settlement itself runs as the application does.
    let db = stack.local.services.admin(stack.database()).await?;
    eprintln!("settlement: generating {wanted_groups} active groups for {day}");
    let (start, end) = (day.start().to_rfc3339(), day.succ().start().to_rfc3339());
    let generating = Instant::now();
    db.batch_execute(&settlement_data_sql(day.date(), &start, &end, wanted_groups))
        .await
        .context("cannot generate the settlement's data")?;
    // As autovacuum would leave tables loaded days ago: statistics, visibility, hint bits set.
    db.batch_execute("VACUUM (ANALYZE) users, accounts, robots, groups, group_daily, ad_clicks").await?;
    orphans(&db).await?;
    let generation = generating.elapsed();
    let shape = db
        .query_one(
            "SELECT (SELECT count(*) FROM bench_owners) AS owners,
                    (SELECT count(*) FROM users u, bench_base b WHERE u.id > b.users AND u.master_id IS NOT NULL)
                        AS with_master,
                    (SELECT count(*) FROM users u, bench_base b WHERE u.id > b.users AND u.grand_master_id IS NOT NULL)
                        AS with_grand_master,
                    (SELECT max(n) FROM (SELECT count(*) AS n FROM users u, bench_base b
                                         WHERE u.id > b.users AND u.master_id IS NOT NULL GROUP BY u.master_id) m)
                        AS most_apprentices,
                    (SELECT count(*) FROM groups g, bench_base b WHERE g.id > b.groups) AS groups,
                    (SELECT count(*) FROM group_daily d, bench_base b WHERE d.group_id > b.groups AND d.day = $1)
                        AS daily_rows,
                    (SELECT count(*) FROM ad_clicks WHERE day = $1) AS clicks,
                    (SELECT count(DISTINCT group_id) FROM ad_clicks WHERE day = $1) AS groups_with_ads",
            &[&day.date()],
        )
        .await?;
    let [owners, with_master, with_grand_master, most_apprentices, groups, daily_rows, clicks, groups_with_ads]: [i64;
        8] = [
        "owners",
        "with_master",
        "with_grand_master",
        "most_apprentices",
        "groups",
        "daily_rows",
        "clicks",
        "groups_with_ads",
    ]
    .map(|c| shape.get(c));
    anyhow::ensure!(groups == wanted_groups, "generated {groups} groups, not {wanted_groups}");

    let client = stack.ctx().db()?.client().await?;
    let rules =
        gpet::settlement::Rules::of(&gpet::settings::load(&client).await?, &gpet::settings::load(&client).await?);
    drop(client);
    let thresholds: Vec<i32> = rules.star_thresholds.iter().map(|t| *t as i32).collect();
    let by_stars: Vec<i64> = db
        .query(
            "SELECT s, count(*) AS groups FROM (
                 SELECT coalesce(d.stars::int, 1 + (coalesce(d.sessions, 0) >= ($2::int[])[1])::int
                     + (coalesce(d.sessions, 0) >= ($2::int[])[2])::int + (coalesce(d.sessions, 0) >= ($2::int[])[3])::int
                     + (coalesce(d.sessions, 0) >= ($2::int[])[4])::int) AS s
                 FROM groups g JOIN bench_base b ON g.id > b.groups
                 LEFT JOIN group_daily d ON d.group_id = g.id AND d.day = $1) x
             GROUP BY s ORDER BY s",
            &[&day.date(), &thresholds],
        )
        .await?
        .iter()
        .map(|r| r.get("groups"))
        .collect();
    let [group_fen, ad_fen, commission_fen, credits, groups_paid, users_paid] =
        settlement_expected(&db, day, &rules).await?;
    let expected_total = group_fen + ad_fen + commission_fen;

    eprintln!("settlement: settlement::run({day}) over {owners} owners, {groups} groups, {clicks} ad clicks");
    let running = Instant::now();
    let run = gpet::settlement::run(stack.ctx(), day, SETTLE_BUDGET).await?;
    let first = running.elapsed();
    anyhow::ensure!(run.state == RunState::Done, "the run ended {}: {:?}", run.state, run.error);
    let ledger_row = db
        .query_one(
            "SELECT count(*) FILTER (WHERE e.amount_fen > 0) AS entries_credited, count(*) AS entries,
                    coalesce(sum(e.amount_fen) FILTER (WHERE e.amount_fen > 0), 0)::bigint AS credited_fen
             FROM settlement_steps s JOIN ledger_entries e ON e.txn_id = s.txn_id WHERE s.day = $1",
            &[&day.date()],
        )
        .await?;
    let (entries_credited, entries, ledger_credited): (i64, i64, i64) =
        (ledger_row.get("entries_credited"), ledger_row.get("entries"), ledger_row.get("credited_fen"));
    let found = [
        run.group_income_fen.get(),
        run.ad_income_fen.get(),
        run.commission_fen.get(),
        entries_credited,
        run.groups_credited,
        run.users_credited,
    ];
    let wanted = [group_fen, ad_fen, commission_fen, credits, groups_paid, users_paid];
    anyhow::ensure!(
        found == wanted && run.total_fen.get() == expected_total && ledger_credited == expected_total,
        "the settlement credited (group, ad, commission fen, credit entries, groups, users) {found:?} and {ledger_credited} fen \
         in the ledger; the data calls for {wanted:?}, {expected_total} fen"
    );
    // The steps' transactions start one after another: the gaps are the steps' times.
    let marks: Vec<chrono::DateTime<chrono::Utc>> = db
        .query(
            "SELECT done_at AS at FROM settlement_steps WHERE day = $1
             UNION ALL SELECT finished_at FROM settlement_runs WHERE day = $1 ORDER BY 1",
            &[&day.date()],
        )
        .await?
        .iter()
        .map(|r| r.get("at"))
        .collect();
    let steps: Vec<Duration> = marks.windows(2).map(|w| (w[1] - w[0]).to_std().unwrap_or_default()).collect();

    let mut client = stack.ctx().db()?.client().await?;
    let auditing = Instant::now();
    let (checks, [accounts, all_entries, transactions]) = gpet::ledger::check(&mut client).await?;
    let audit = auditing.elapsed();
    let failed: Vec<String> = checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect();
    anyhow::ensure!(failed.is_empty(), "the ledger audit failed after the settlement: {failed:?}");
    drop(client);

    let again = Instant::now();
    let rerun = gpet::settlement::run(stack.ctx(), day, SETTLE_BUDGET).await?;
    let second = again.elapsed();
    let entries_after: i64 = db.query_one("SELECT count(*) AS entries FROM ledger_entries", &[]).await?.get("entries");
    anyhow::ensure!(
        rerun.state == RunState::Done
            && rerun.runs == 2
            && rerun.total_fen == run.total_fen
            && entries_after == all_entries,
        "the second run of {day} ended {} (run {}), {} fen, {} ledger entries (before it {all_entries})",
        rerun.state,
        rerun.runs,
        rerun.total_fen,
        entries_after
    );

    eprintln!("settlement anchor: INSERT … SELECT of {wanted_groups} rows into a table with a unique index");
    db.batch_execute(
        "CREATE TABLE bench_entries (id bigserial PRIMARY KEY, txn_id bigint NOT NULL, account_id bigint NOT NULL,
             amount_fen bigint NOT NULL, kind text NOT NULL, day date NOT NULL, group_id bigint, source_user_id bigint,
             created_at timestamptz NOT NULL DEFAULT now())",
    )
    .await?;
    let anchoring = Instant::now();
    let anchor_rows = db
        .execute(
            "INSERT INTO bench_entries (txn_id, account_id, amount_fen, kind, day, group_id)
             SELECT 1 + i / 20000, 1 + i % 250000, 10 + i % 91, 'group_income', $2::date, i
             FROM generate_series(1::bigint, $1::bigint) i",
            &[&wanted_groups, &day.date()],
        )
        .await?;
    let anchor = anchoring.elapsed();
    db.batch_execute("DROP TABLE bench_entries").await?;

    let anchor_rate = per_s(anchor_rows as f64, anchor);
    Ok(Settlement {
        day: day.to_string(),
        owners,
        owners_with_master: with_master,
        owners_with_grand_master: with_grand_master,
        most_apprentices,
        groups,
        group_daily_rows: daily_rows,
        groups_by_stars: by_stars,
        ad_clicks: clicks,
        groups_with_ads,
        generation_seconds: secs(generation),
        steps: run.steps_total,
        step_p50_ms: ms(percentile(&steps, 0.5)),
        step_max_ms: ms(percentile(&steps, 1.0)),
        seconds: secs(first),
        groups_credited: run.groups_credited,
        users_credited: run.users_credited,
        entries_credited,
        entries,
        credits_per_s: per_s(entries_credited as f64, first),
        groups_per_s: per_s(run.groups_credited as f64, first),
        group_income_fen: run.group_income_fen.get(),
        ad_income_fen: run.ad_income_fen.get(),
        commission_fen: run.commission_fen.get(),
        total_fen: run.total_fen.get(),
        expected_total_fen: expected_total,
        total_matches: true,
        audit_ok: true,
        audit_seconds: secs(audit),
        ledger: Ledger { accounts, entries: all_entries, transactions },
        second_run_ms: ms(second),
        second_run_state: rerun.state.to_string(),
        anchor: Anchor {
            statement: "INSERT INTO bench_entries … SELECT … FROM generate_series (bigserial primary key)",
            rows: anchor_rows,
            seconds: secs(anchor),
            rows_per_s: anchor_rate,
        },
        ratio_time_to_anchor: ratio(first.as_secs_f64(), anchor.as_secs_f64()),
        ratio_rate_to_anchor: fine_ratio(per_s(entries as f64, first), anchor_rate),
        aim_seconds: SETTLE_AIM.as_secs(),
        meets_aim: first <= SETTLE_AIM,
    })
}

impl Settlement {
    pub fn table(&self) -> Table {
        let mut table = Table::new(format!(
            "i. Settlement of {} (settlement::run, one call): {} active groups of {} owners ({} with a master, {} with a grand-master, at most {} apprentices of one master)",
            self.day,
            self.groups,
            self.owners,
            self.owners_with_master,
            self.owners_with_grand_master,
            self.most_apprentices
        ))
        .intro(format!(
            "data: {} group_daily rows, groups by stars 1★…5★ {:?}, {} ad clicks in {} groups; generated in {} s (SQL, checked against the foreign keys)",
            self.group_daily_rows,
            self.groups_by_stars,
            self.ad_clicks,
            self.groups_with_ads,
            num(self.generation_seconds)
        ))
        .left("", 44)
        .right("s", 9)
        .right("credits/s", 12)
        .right("groups/s", 12)
        .right("rows/s", 10);
        table.row([
            format!("settlement::run, {} steps", self.steps),
            num(self.seconds),
            rate(self.credits_per_s),
            rate(self.groups_per_s),
            rate(self.entries as f64 / self.seconds),
        ]);
        table.row(["the same day again (every step done), ms".to_owned(), num(self.second_run_ms)]);
        let a = &self.anchor;
        table.row([
            format!("anchor: INSERT … SELECT of {} rows", a.rows),
            num(a.seconds),
            String::new(),
            String::new(),
            rate(a.rows_per_s),
        ]);
        table.note(format!(
            "settlement vs anchor: {} the time (ledger rows/s {} the anchor's rows/s); steps p50 {} ms, max {} ms",
            times(self.ratio_time_to_anchor),
            fine_times(self.ratio_rate_to_anchor),
            num(self.step_p50_ms),
            num(self.step_max_ms)
        ));
        table.note(format!(
            "credited: {} entries to {} users ({} ledger rows with the platform's legs): groups {} fen, ads {} fen, commission {} fen, total {} fen; expected (one independent query) {} fen: {}",
            self.entries_credited,
            self.users_credited,
            self.entries,
            self.group_income_fen,
            self.ad_income_fen,
            self.commission_fen,
            self.total_fen,
            self.expected_total_fen,
            same(self.total_matches)
        ));
        table.note(format!(
            "run done, ledger audit ok ({} s over {} entries); aim: the day under {} s: {}",
            num(self.audit_seconds),
            self.ledger.entries,
            self.aim_seconds,
            if self.meets_aim { "meets the aim" } else { "MISSES the aim" }
        ));
        table
    }
}
