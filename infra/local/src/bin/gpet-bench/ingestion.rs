//! g. The consumer counts group messages of INGEST_GROUPS active groups: SQS_EVENTS events in
//!    SQS batches of 10 through the consume-robot-events handler (SQS_WORKERS at once), then
//!    LARGE_EVENTS per size of LARGE_BATCHES through `robot_events::consume` (LARGE_WORKERS at
//!    once); after each, the same batches straight into `robot_events::count`. The counts are
//!    emptied before each run and checked exact after it. Against, in the same database,
//!    single-row INSERTs and batched ones (`unnest`, binary COPY) into a table keyed like
//!    group_messages.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use gpet_local::registry::{self, Handler};
use serde::Serialize;
use serde_json::json;

use crate::Machine;
use crate::figures::{Table, per_s, rate, ratio, secs, times};
use crate::load::drain;
use crate::rng::Rng;
use crate::stack::Stack;

/// The stream: groups of one robot, senders per group, the share of messages re-sent (same
/// group and msg_id, a new event id) and how far back a re-sent message is.
const INGEST_GROUPS: usize = 2_000;
const SENDERS_PER_GROUP: usize = 50;
const RESENT_PCT: usize = 10;
const RESEND_WINDOW: usize = 5_000;
const INGEST_ROBOT: &str = "wxid_bench_ingest";
/// As Lambda runs it: SQS batches of 10, one per consumer instance at a time, SQS_WORKERS
/// instances at once.
const SQS_BATCH: usize = 10;
const SQS_WORKERS: usize = 8;
const SQS_EVENTS: usize = 60_000;
/// Large batches straight into `consume`, LARGE_WORKERS at once, LARGE_EVENTS per batch size.
const LARGE_BATCHES: [usize; 3] = [1_000, 5_000, 10_000];
const LARGE_WORKERS: usize = 4;
const LARGE_EVENTS: usize = 300_000;
/// Issue 4's aim for large batches on this machine.
const INGEST_AIM_PER_S: f64 = 50_000.0;
/// The anchors: single-row INSERTs for this long (SQS_WORKERS connections), batched ones
/// (LARGE_WORKERS connections) for ANCHOR_ROWS rows in statements of ANCHOR_BATCH.
const SINGLE_ROW_SECONDS: u64 = 5;
const ANCHOR_ROWS: usize = 500_000;
const ANCHOR_BATCH: usize = 5_000;
const ANCHOR_TABLE: &str = "bench_msgs (group_id bigint, msg_id text, day date, PRIMARY KEY (group_id, msg_id))";
const CHAT_LINES: [&str; 8] =
    ["早上好", "今天的团购几点开始？", "收到，谢谢群主", "好的", "这个多少钱", "哈哈哈哈", "明天见", "已下单"];

#[derive(Serialize)]
pub struct Ingestion {
    groups: usize,
    senders_per_group: usize,
    resent_pct: usize,
    server: Server,
    modes: Vec<Mode>,
    anchors: Anchors,
    aim_events_per_s: f64,
    best_large_batch_events_per_s: f64,
    best_large_batch: usize,
    meets_aim: bool,
}

/// The PostgreSQL server, and the settings that bound its insert rate.
#[derive(Serialize)]
struct Server {
    version: String,
    fsync: String,
    synchronous_commit: String,
    full_page_writes: String,
}

/// One run of the stream through one path.
#[derive(Serialize)]
struct Mode {
    /// `handler` (SQS batches), `consume` (large batches) or `count` (the same batches into the
    /// counting statement only).
    path: &'static str,
    batch: usize,
    workers: usize,
    events: usize,
    resent: usize,
    distinct_messages: usize,
    distinct_speakers: usize,
    seconds: f64,
    events_per_s: f64,
    exactly_once: bool,
    ratio_to_single_row: Option<f64>,
    ratio_to_unnest: Option<f64>,
    ratio_to_copy: Option<f64>,
}

#[derive(Serialize)]
struct Anchors {
    table: &'static str,
    single_row: Anchor,
    unnest: Anchor,
    copy: Anchor,
}

#[derive(Serialize)]
struct Anchor {
    rows: i64,
    workers: usize,
    rows_per_statement: usize,
    seconds: f64,
    rows_per_s: f64,
}

impl Anchor {
    fn new(rows: i64, time: Duration, workers: usize, rows_per_statement: usize) -> Anchor {
        Anchor { rows, workers, rows_per_statement, seconds: secs(time), rows_per_s: per_s(rows as f64, time) }
    }
}

/// A stream of group messages as the robot platform sends them, each as SQS delivers it
/// (message id, body), and what an exactly-once count of it must find.
struct ChatStream {
    messages: Vec<(String, String)>,
    /// What each message says to count: (group number, msg_id, sender wxid).
    counted: Vec<(usize, String, String)>,
    /// Distinct (group, msg_id): the sessions.
    distinct: usize,
    /// Distinct (group, sender): the speakers (the stream is one business day).
    speakers: usize,
    resent: usize,
}

/// `events` group messages at `at` (RFC 3339, +08:00) for INGEST_GROUPS groups of
/// INGEST_ROBOT, about RESENT_PCT % of them a message sent before (same group, msg_id, sender
/// and text; a new event id), msg_ids tagged with `tag`.
fn chat_stream(seed: u64, tag: &str, events: usize, at: &str) -> ChatStream {
    let mut rng = Rng::new(seed);
    // (group, sender) by message number.
    let mut sent: Vec<(usize, usize)> = Vec::with_capacity(events);
    let mut speakers = HashSet::new();
    let mut messages = Vec::with_capacity(events);
    let mut counted = Vec::with_capacity(events);
    let mut resent = 0;
    for i in 0..events {
        let msg = if !sent.is_empty() && rng.below(100) < RESENT_PCT {
            resent += 1;
            sent.len() - 1 - rng.below(sent.len().min(RESEND_WINDOW))
        } else {
            let (group, sender) = (rng.below(INGEST_GROUPS), rng.below(SENDERS_PER_GROUP));
            speakers.insert((group, sender));
            sent.push((group, sender));
            sent.len() - 1
        };
        let (group, sender) = sent[msg];
        let (msg_id, sender_wxid) = (format!("{tag}-{msg}"), format!("wxid_m{group}_{sender}"));
        let body = json!({
            "id": format!("ev-{tag}-{i}"),
            "type": "group_message",
            "robot_wxid": INGEST_ROBOT,
            "at": at,
            "group_wxid": format!("bench_g{group}@chatroom"),
            "sender_wxid": sender_wxid,
            "msg_id": msg_id,
            "msg_type": "text",
            "text": CHAT_LINES[msg % CHAT_LINES.len()],
        });
        messages.push((format!("sqs-{tag}-{i}"), body.to_string()));
        counted.push((group, msg_id, sender_wxid));
    }
    ChatStream { messages, counted, distinct: sent.len(), speakers: speakers.len(), resent }
}

/// `items` in batches of `size`, in order.
fn batches<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut items = items.into_iter().peekable();
    let mut out = Vec::new();
    while items.peek().is_some() {
        out.push(items.by_ref().take(size).collect());
    }
    out
}

/// An SQS event of these messages, as Lambda hands it to the consumer.
fn sqs_event(messages: Vec<(String, String)>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages
        .into_iter()
        .map(|(id, body)| {
            let mut record = SqsMessage::default();
            record.message_id = Some(id);
            record.body = Some(body);
            record.event_source = Some("aws:sqs".into());
            record
        })
        .collect();
    event
}

/// Connections of their own (not the host's pool), for the anchors.
async fn connections(stack: &Stack, n: usize) -> anyhow::Result<Arc<Vec<tokio_postgres::Client>>> {
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        clients.push(stack.connect().await?);
    }
    Ok(Arc::new(clients))
}

/// What the consumer has counted: Σ sessions, Σ speakers, group_messages and group_speakers rows.
async fn counted(db: &tokio_postgres::Client) -> anyhow::Result<[i64; 4]> {
    let row = db
        .query_one(
            "SELECT (SELECT coalesce(sum(sessions), 0)::bigint FROM group_daily) AS sessions,
                    (SELECT coalesce(sum(speakers), 0)::bigint FROM group_daily) AS speakers,
                    (SELECT count(*) FROM group_messages) AS messages, (SELECT count(*) FROM group_speakers) AS speaker_rows",
            &[],
        )
        .await?;
    Ok([row.get("sessions"), row.get("speakers"), row.get("messages"), row.get("speaker_rows")])
}

/// Fails unless the counts hold each distinct message and speaker of the stream once:
/// Σ sessions, Σ speakers, group_messages rows, group_speakers rows.
async fn check_exact(db: &tokio_postgres::Client, want: [i64; 4], what: &str) -> anyhow::Result<()> {
    let found = counted(db).await?;
    anyhow::ensure!(
        found == want,
        "not counted exactly once ({what}): Σ sessions, Σ speakers, group_messages, group_speakers = {found:?}, \
         the stream holds {want:?}"
    );
    Ok(())
}

pub async fn measure(stack: &Stack) -> anyhow::Result<Ingestion> {
    let db = stack.connect().await?;
    let setting = |name: &'static str| {
        let db = &db;
        async move {
            anyhow::Ok(
                db.query_one("SELECT current_setting($1) AS setting", &[&name]).await?.get::<_, String>("setting"),
            )
        }
    };
    let server = Server {
        version: setting("server_version").await?,
        fsync: setting("fsync").await?,
        synchronous_commit: setting("synchronous_commit").await?,
        full_page_writes: setting("full_page_writes").await?,
    };
    // The robot is disabled so that h's assignments never offer it; its groups still count.
    db.batch_execute(&format!(
        "INSERT INTO robots (platform_id, wxid, nickname, qr_code_url, capacity, enabled)
         VALUES ('bench-ingest', '{INGEST_ROBOT}', 'bench', 'https://qr.example.cn/bench.png', 10000, false);
         INSERT INTO groups (group_wxid, name, robot_id, state, state_at, member_count, joined_at)
         SELECT 'bench_g' || i || '@chatroom', '群 ' || i, r.id, 'active', now(), 100, now()
         FROM robots r, generate_series(0, {INGEST_GROUPS} - 1) i WHERE r.wxid = '{INGEST_ROBOT}';
         CREATE TABLE {ANCHOR_TABLE};"
    ))
    .await
    .context("cannot set up the ingestion's robot, groups and anchor table")?;
    let handle = match registry::find("consume-robot-events").map(|e| e.handler) {
        Some(Handler::Sqs(handle)) => handle,
        _ => anyhow::bail!("the registry has no SQS handler consume-robot-events"),
    };

    // The bench's groups by number (bench_g{n}@chatroom).
    let group_ids: Vec<i64> = db
        .query(
            "SELECT g.id FROM generate_series(0, $1 - 1) n JOIN groups g ON g.group_wxid = 'bench_g' || n || '@chatroom'
             ORDER BY n",
            &[&(INGEST_GROUPS as i32)],
        )
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect();
    anyhow::ensure!(group_ids.len() == INGEST_GROUPS, "the bench's groups are missing");
    let day = stack.ctx().clock.today().date();
    let runs = std::iter::once((SQS_BATCH, SQS_WORKERS, SQS_EVENTS, true))
        .chain(LARGE_BATCHES.map(|size| (size, LARGE_WORKERS, LARGE_EVENTS, false)));
    let mut modes = Vec::new();
    for (n, (size, workers, events, lambda)) in runs.enumerate() {
        eprintln!(
            "ingestion: {events} group messages in batches of {size}, {workers} at once, through {}, then robot_events::count only",
            if lambda { "the consume-robot-events handler" } else { "robot_events::consume" }
        );
        db.batch_execute("TRUNCATE group_messages, group_speakers, group_daily").await?;
        let at = stack.ctx().clock.now_shanghai().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        let tag = format!("m{n}");
        let ChatStream { messages, counted: to_count, distinct, speakers, resent } =
            tokio::task::spawn_blocking(move || chat_stream(0x696e_6765_7374 + n as u64, &tag, events, &at))
                .await
                .context("generating the stream panicked")?;
        let ctx = stack.ctx().clone();
        let consumer_time = if lambda {
            let events: Vec<SqsEvent> = batches(messages, size).into_iter().map(sqs_event).collect();
            drain(workers, events, move |_, event| {
                let ctx = ctx.clone();
                async move {
                    let response = handle(&ctx, event, gpet::Deadline::after(Duration::from_secs(30))).await;
                    let retry = response.batch_item_failures.len();
                    anyhow::ensure!(retry == 0, "consume-robot-events asked for {retry} messages again");
                    Ok(())
                }
            })
            .await?
        } else {
            drain(workers, batches(messages, size), move |_, batch| {
                let ctx = ctx.clone();
                async move {
                    let retry =
                        gpet::robot_events::consume(&ctx, &batch, gpet::Deadline::after(Duration::from_secs(30)))
                            .await
                            .map_err(|e| anyhow::anyhow!("robot_events::consume failed: {e:#}"))?;
                    anyhow::ensure!(retry.is_empty(), "robot_events::consume asked for {} messages again", retry.len());
                    Ok(())
                }
            })
            .await?
        };
        let want = [distinct, speakers, distinct, speakers].map(|n| n as i64);
        check_exact(&db, want, &format!("{events} events in batches of {size} through the consumer")).await?;

        // The same batches, straight into the counting statement: what the rest of the consumer adds.
        db.batch_execute("TRUNCATE group_messages, group_speakers, group_daily").await?;
        let to_count: Vec<Vec<(i64, String, String)>> = batches(
            to_count.into_iter().map(|(group, msg_id, sender)| (group_ids[group], msg_id, sender)).collect(),
            size,
        );
        let ctx = stack.ctx().clone();
        let count_time = drain(workers, to_count, move |_, batch| {
            let ctx = ctx.clone();
            async move {
                let client = ctx.db()?.client().await?;
                let ids: Vec<i64> = batch.iter().map(|(id, _, _)| *id).collect();
                let msg_ids: Vec<&str> = batch.iter().map(|(_, m, _)| m.as_str()).collect();
                let senders: Vec<&str> = batch.iter().map(|(_, _, s)| s.as_str()).collect();
                gpet::robot_events::count(&client, &ids, &vec![day; batch.len()], &msg_ids, &senders, false)
                    .await
                    .map_err(|e| anyhow::anyhow!("robot_events::count failed: {e:#}"))?;
                Ok(())
            }
        })
        .await?;
        check_exact(&db, want, &format!("{events} events in batches of {size} through count()")).await?;

        for (path, elapsed) in [(if lambda { "handler" } else { "consume" }, consumer_time), ("count", count_time)] {
            modes.push(Mode {
                path,
                batch: size,
                workers,
                events,
                resent,
                distinct_messages: distinct,
                distinct_speakers: speakers,
                seconds: secs(elapsed),
                events_per_s: per_s(events as f64, elapsed),
                exactly_once: true,
                ratio_to_single_row: None,
                ratio_to_unnest: None,
                ratio_to_copy: None,
            });
        }
    }

    let anchors = insert_anchors(&db, stack, day).await?;
    for mode in &mut modes {
        mode.ratio_to_single_row = ratio(mode.events_per_s, anchors.single_row.rows_per_s);
        mode.ratio_to_unnest = ratio(mode.events_per_s, anchors.unnest.rows_per_s);
        mode.ratio_to_copy = ratio(mode.events_per_s, anchors.copy.rows_per_s);
    }
    // The best large-batch rate through the consumer, and its batch size.
    let (best_large, best_batch) = modes
        .iter()
        .filter(|m| m.path == "consume")
        .map(|m| (m.events_per_s, m.batch))
        .fold((0.0, 0), |best, m| if m.0 > best.0 { m } else { best });
    db.batch_execute("DROP TABLE bench_msgs").await?;
    Ok(Ingestion {
        groups: INGEST_GROUPS,
        senders_per_group: SENDERS_PER_GROUP,
        resent_pct: RESENT_PCT,
        server,
        modes,
        anchors,
        aim_events_per_s: INGEST_AIM_PER_S,
        best_large_batch_events_per_s: best_large,
        best_large_batch: best_batch,
        meets_aim: best_large >= INGEST_AIM_PER_S,
    })
}

async fn anchor_rows(db: &tokio_postgres::Client) -> anyhow::Result<i64> {
    Ok(db.query_one("SELECT count(*) AS anchors FROM bench_msgs", &[]).await?.get("anchors"))
}

/// PostgreSQL's own insert rate into bench_msgs (keyed like group_messages): single-row
/// prepared INSERTs in autocommit for SINGLE_ROW_SECONDS on SQS_WORKERS connections, then
/// ANCHOR_ROWS rows as `INSERT … SELECT FROM unnest` and as binary COPY of ANCHOR_BATCH rows
/// each on LARGE_WORKERS connections.
async fn insert_anchors(db: &tokio_postgres::Client, stack: &Stack, day: chrono::NaiveDate) -> anyhow::Result<Anchors> {
    use tokio_postgres::binary_copy::BinaryCopyInWriter;
    use tokio_postgres::types::Type;

    eprintln!("ingestion anchors: single-row INSERTs, INSERT … unnest, binary COPY into a similar table");

    db.batch_execute("TRUNCATE bench_msgs").await?;
    let clients = connections(stack, SQS_WORKERS).await?;
    let next = Arc::new(AtomicUsize::new(0));
    let end = Instant::now() + Duration::from_secs(SINGLE_ROW_SECONDS);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..SQS_WORKERS {
        let (clients, next) = (clients.clone(), next.clone());
        tasks.spawn(async move {
            let db = &clients[worker];
            let insert = db.prepare("INSERT INTO bench_msgs (group_id, msg_id, day) VALUES ($1, $2, $3)").await?;
            while Instant::now() < end {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let group = (i % INGEST_GROUPS) as i64;
                db.execute(&insert, &[&group, &format!("s{i}"), &day]).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.context("an insert worker panicked")??;
    }
    let single_time = started.elapsed();
    let single_rows = anchor_rows(db).await?;

    let make = |prefix: &'static str| {
        batches((0..ANCHOR_ROWS).collect(), ANCHOR_BATCH)
            .into_iter()
            .map(|batch| {
                let groups: Vec<i64> = batch.iter().map(|i| (i % INGEST_GROUPS) as i64).collect();
                let msg_ids: Vec<String> = batch.iter().map(|i| format!("{prefix}{i}")).collect();
                (groups, msg_ids)
            })
            .collect::<Vec<_>>()
    };
    db.batch_execute("TRUNCATE bench_msgs").await?;
    let clients = connections(stack, LARGE_WORKERS).await?;
    let unnest_time = drain(LARGE_WORKERS, make("u"), {
        let clients = clients.clone();
        move |worker, (groups, msg_ids): (Vec<i64>, Vec<String>)| {
            let clients = clients.clone();
            async move {
                clients[worker]
                    .execute(
                        "INSERT INTO bench_msgs (group_id, msg_id, day)
                         SELECT g, m, $3 FROM unnest($1::bigint[], $2::text[]) AS t(g, m)",
                        &[&groups, &msg_ids, &day],
                    )
                    .await?;
                Ok(())
            }
        }
    })
    .await?;
    let unnest_rows = anchor_rows(db).await?;

    db.batch_execute("TRUNCATE bench_msgs").await?;
    let copy_time = drain(LARGE_WORKERS, make("c"), move |worker, (groups, msg_ids): (Vec<i64>, Vec<String>)| {
        let clients = clients.clone();
        async move {
            let sink =
                clients[worker].copy_in("COPY bench_msgs (group_id, msg_id, day) FROM STDIN (FORMAT binary)").await?;
            let writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::TEXT, Type::DATE]);
            futures::pin_mut!(writer);
            for (group, msg_id) in groups.iter().zip(&msg_ids) {
                writer.as_mut().write(&[group, msg_id, &day]).await?;
            }
            writer.finish().await?;
            Ok(())
        }
    })
    .await?;
    let copy_rows = anchor_rows(db).await?;
    anyhow::ensure!(
        unnest_rows == ANCHOR_ROWS as i64 && copy_rows == ANCHOR_ROWS as i64,
        "the anchors stored {unnest_rows} and {copy_rows} rows, not {ANCHOR_ROWS}"
    );
    Ok(Anchors {
        table: ANCHOR_TABLE,
        single_row: Anchor::new(single_rows, single_time, SQS_WORKERS, 1),
        unnest: Anchor::new(unnest_rows, unnest_time, LARGE_WORKERS, ANCHOR_BATCH),
        copy: Anchor::new(copy_rows, copy_time, LARGE_WORKERS, ANCHOR_BATCH),
    })
}

impl Ingestion {
    pub fn table(&self, machine: &Machine) -> Table {
        let mut table = Table::new(format!(
            "g. Group-message ingestion (robot-events consumer): {} active groups, {} senders each, ~{}% of the events re-sent",
            self.groups, self.senders_per_group, self.resent_pct
        ))
        .left("path", 40)
        .right("workers", 7)
        .right("batch", 5)
        .right("events", 8)
        .right("distinct", 8)
        .right("s", 7)
        .right("events/s", 9)
        .right("÷single", 8)
        .right("÷unnest", 8)
        .right("÷COPY", 8)
        .right("exact", 6);
        for m in &self.modes {
            let path = match m.path {
                "handler" => "consume-robot-events handler (SQS)",
                "consume" => "robot_events::consume (large batches)",
                _ => "  same batches, robot_events::count only",
            };
            table.row([
                path.to_owned(),
                m.workers.to_string(),
                m.batch.to_string(),
                m.events.to_string(),
                m.distinct_messages.to_string(),
                format!("{:.2}", m.seconds),
                rate(m.events_per_s),
                times(m.ratio_to_single_row),
                times(m.ratio_to_unnest),
                times(m.ratio_to_copy),
                (if m.exactly_once { "yes" } else { "NO" }).to_owned(),
            ]);
        }
        let anchors = &self.anchors;
        table.note(format!("anchors, PostgreSQL's own insert rate into {}:", anchors.table));
        for (a, label) in [
            (&anchors.single_row, "single-row prepared INSERT, autocommit"),
            (&anchors.unnest, "INSERT … SELECT FROM unnest(…)"),
            (&anchors.copy, "COPY … FROM STDIN (FORMAT binary)"),
        ] {
            table.note(format!(
                "  {:<44} {:>2} connections, {:>5} rows/statement: {:>9} rows/s ({} rows in {:.2} s)",
                label,
                a.workers,
                a.rows_per_statement,
                rate(a.rows_per_s),
                a.rows,
                a.seconds
            ));
        }
        table.note(format!(
            "aim: ≥ {} events/s with large batches; best here {} events/s (batches of {}): {}",
            rate(self.aim_events_per_s),
            rate(self.best_large_batch_events_per_s),
            self.best_large_batch,
            if self.meets_aim { "meets the aim" } else { "BELOW the aim" }
        ));
        let server = &self.server;
        table.note(format!(
            "(exact: Σ sessions and group_messages rows = the distinct (group, msg_id) sent, Σ speakers and group_speakers\n \
             rows = the distinct (group, sender); checked after every run, the counts emptied before it.\n \
             The SQS workers stand for concurrent Lambda instances of the consumer, each with one batch of 10 at a time:\n \
             Lambda scales an SQS consumer out further. \"count only\": the same batches as arrays straight into\n \
             robot_events::count, so the rest is what the consumer adds (parsing, group lookup, keyword query).\n \
             An event counted inserts a group_messages row (two indexes), maybe a group_speakers row, and its batch\n \
             updates one group_daily row per group it holds; an anchor row is one insert into one index.\n \
             PostgreSQL {}: fsync={}, synchronous_commit={}, full_page_writes={}; it shares the {} cores with the bench)",
            server.version, server.fsync, server.synchronous_commit, server.full_page_writes, machine.cpus
        ));
        table
    }
}
