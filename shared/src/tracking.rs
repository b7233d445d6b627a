//! Tracking events (埋点): from the H5 app and from the backend, through the outbox to the
//! tracking queue, stored by its consumer and fanned out to BI's queue.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::Ctx;
use crate::db::QueryContext;
use crate::deadline::Deadline;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::outbox;
use crate::queue::{BATCH, Queue};

pub const MAX_EVENTS: usize = 50;
pub const MAX_EVENT_BYTES: usize = 4096;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackBatch {
    #[schema(min_items = 1, max_items = 50)]
    pub events: Vec<ClientEvent>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientEvent {
    /// `page_view`, `click`, …: letters, digits and `_ . : -`, at most 64.
    #[schema(pattern = r"^[A-Za-z0-9_.:-]{1,64}$")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 512)]
    pub page: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub props: Option<serde_json::Map<String, serde_json::Value>>,
    /// The client's clock, RFC 3339.
    #[serde(default)]
    pub ts: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    H5,
    Backend,
}

/// One event as BI receives it: the contract with BI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BiEvent {
    pub event_id: Uuid,
    pub user_id: Option<i64>,
    pub name: String,
    pub page: Option<String>,
    pub props: serde_json::Value,
    pub client_ts: Option<DateTime<FixedOffset>>,
    pub server_ts: DateTime<Utc>,
    pub source: Source,
}

impl BiEvent {
    /// An event the backend emits about a business fact (written to the outbox in the same
    /// transaction as the fact).
    pub fn backend(ctx: &Ctx, user_id: Option<i64>, name: &str, props: serde_json::Value) -> Self {
        BiEvent {
            event_id: Uuid::new_v4(),
            user_id,
            name: name.to_owned(),
            page: None,
            props,
            client_ts: None,
            server_ts: ctx.clock.now(),
            source: Source::Backend,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("an event serializes")
    }
}

fn validate(index: usize, event: &ClientEvent) -> Result<()> {
    let at = |what: String| Error::bad_request(format!("第 {} 个事件：{what}", index + 1));
    let name_ok = |c: char| c.is_ascii_alphanumeric() || "_.:-".contains(c);
    if event.name.is_empty() || event.name.len() > 64 || !event.name.chars().all(name_ok) {
        return Err(at(format!("name 须为 1–64 个字母、数字或 _.:- 字符，收到 {:?}", truncate(&event.name))));
    }
    if event.page.as_ref().is_some_and(|p| p.chars().count() > 512) {
        return Err(at("page 超过 512 个字符".into()));
    }
    let size = serde_json::to_vec(event).map(|v| v.len()).unwrap_or(usize::MAX);
    if size > MAX_EVENT_BYTES {
        return Err(at(format!("事件大小 {size} 字节，超过 {MAX_EVENT_BYTES} 字节上限")));
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(32).collect()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub accepted: usize,
}

/// Validates a batch from the H5 app (all or nothing), writes it to the outbox and publishes it
/// at once; what cannot be published now is left to the relay.
#[tracing::instrument(skip_all, fields(events = batch.events.len()))]
pub async fn record_from_h5(ctx: &Ctx, user_id: Option<UserId>, batch: TrackBatch) -> Result<Accepted> {
    if batch.events.is_empty() {
        return Err(Error::bad_request("events 不能为空"));
    }
    if batch.events.len() > MAX_EVENTS {
        return Err(Error::bad_request(format!("一次最多 {MAX_EVENTS} 个事件，收到 {}", batch.events.len())));
    }
    for (i, event) in batch.events.iter().enumerate() {
        validate(i, event)?;
    }
    let server_ts = ctx.clock.now();
    let bodies: Vec<serde_json::Value> = batch
        .events
        .into_iter()
        .map(|e| {
            BiEvent {
                event_id: Uuid::new_v4(),
                user_id: user_id.map(UserId::get),
                name: e.name,
                page: e.page,
                props: serde_json::Value::Object(e.props.unwrap_or_default()),
                client_ts: e.ts,
                server_ts,
                source: Source::H5,
            }
            .to_json()
        })
        .collect();
    let ids = outbox::enqueue(&ctx.db()?.client().await?, Queue::TrackingEvents, &bodies).await?;
    outbox::publish(ctx, &ids).await;
    Ok(Accepted { accepted: ids.len() })
}

/// The consumer: stores each event once (event_id is the key) and forwards to BI what was not
/// forwarded yet. Answers the ids of the messages to retry (unparseable ones among them: after
/// a few receives SQS moves them to the dead-letter queue).
#[tracing::instrument(skip_all, fields(messages = messages.len()))]
pub async fn store_and_forward(ctx: &Ctx, messages: &[(String, String)], deadline: Deadline) -> Result<Vec<String>> {
    let mut retry = Vec::new();
    let mut events: Vec<(&str, BiEvent)> = Vec::new();
    for (message_id, body) in messages {
        match serde_json::from_str::<BiEvent>(body) {
            Ok(event) => events.push((message_id, event)),
            Err(e) => {
                tracing::warn!(message_id, error = %e, "unreadable tracking event");
                retry.push(message_id.clone());
            }
        }
    }
    if events.is_empty() {
        return Ok(retry);
    }
    let rows: Vec<serde_json::Value> = events.iter().map(|(_, e)| e.to_json()).collect();
    let client = ctx.db()?.client().await?;
    client
        .execute(
            "INSERT INTO tracking_events (event_id, user_id, name, page, props, client_ts, server_ts, source)
             SELECT event_id, user_id, name, page, COALESCE(props, '{}'), client_ts, server_ts, source
             FROM jsonb_to_recordset($1::jsonb) AS e(event_id uuid, user_id bigint, name text, page text,
                  props jsonb, client_ts timestamptz, server_ts timestamptz, source text)
             ON CONFLICT (event_id) DO NOTHING",
            &[&serde_json::Value::Array(rows)],
        )
        .await
        .db("failed to store tracking events")?;
    let ids: Vec<Uuid> = events.iter().map(|(_, e)| e.event_id).collect();
    let pending: Vec<Uuid> = client
        .query("SELECT event_id FROM tracking_events WHERE event_id = ANY($1) AND forwarded_at IS NULL", &[&ids])
        .await
        .db("failed to find unforwarded events")?
        .iter()
        .map(|r| r.get("event_id"))
        .collect();
    let to_send: Vec<&(&str, BiEvent)> = events.iter().filter(|(_, e)| pending.contains(&e.event_id)).collect();
    let queues = ctx.queues()?;
    let mut forwarded: Vec<Uuid> = Vec::new();
    for batch in to_send.chunks(BATCH) {
        // Out of time: what is stored but not forwarded comes back and is forwarded then.
        if !deadline.has_time() {
            retry.extend(batch.iter().map(|(message_id, _)| (*message_id).to_owned()));
            continue;
        }
        let entries: Vec<(String, String)> =
            batch.iter().map(|(_, e)| (e.event_id.simple().to_string(), e.to_json().to_string())).collect();
        let refused = match queues.send_batch(Queue::BiEvents, &entries).await {
            Ok(refused) => refused,
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), "BI batch not sent");
                entries.iter().map(|(id, _)| id.clone()).collect()
            }
        };
        for (message_id, event) in batch {
            if refused.contains(&event.event_id.simple().to_string()) {
                retry.push((*message_id).to_owned());
            } else {
                forwarded.push(event.event_id);
            }
        }
    }
    client
        .execute("UPDATE tracking_events SET forwarded_at = now() WHERE event_id = ANY($1)", &[&forwarded])
        .await
        .db("failed to mark events forwarded")?;
    tracing::info!(stored = events.len(), forwarded = forwarded.len(), retry = retry.len(), "tracking events handled");
    Ok(retry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str) -> ClientEvent {
        ClientEvent { name: name.into(), page: Some("/".into()), props: None, ts: None }
    }

    #[test]
    fn names_are_checked() {
        assert!(validate(0, &event("page_view")).is_ok());
        assert!(validate(0, &event("h5:click.robot-get")).is_ok());
        for bad in ["", "有中文", "a b", &"x".repeat(65)] {
            let msg = validate(2, &event(bad)).unwrap_err().to_string();
            assert!(msg.starts_with("第 3 个事件"), "{msg}");
        }
    }

    #[test]
    fn an_event_over_4_kib_is_refused_with_its_size() {
        let mut e = event("big");
        e.props = Some(serde_json::Map::from_iter([("blob".to_string(), serde_json::json!("x".repeat(4100)))]));
        let msg = validate(0, &e).unwrap_err().to_string();
        assert!(msg.contains("超过 4096 字节"), "{msg}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<TrackBatch>(r#"{"events":[{"name":"a","oops":1}]}"#).unwrap_err();
        assert!(err.to_string().contains("oops"), "{err}");
    }
}
