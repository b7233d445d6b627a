//! Local queues: created on the SQS-API server from template.yaml (with their dead-letter
//! queues and redrive policies), and polled for their consumers with a real SQS event shape.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName};
use gpet::Ctx;

use crate::registry::SqsFn;
use crate::template::Template;

/// Queue URLs by logical id.
pub type QueueUrls = HashMap<String, String>;

/// Creates every queue of the template, dead-letter queues first, names behind `prefix`
/// (tests give each test its own). Creating an existing queue is harmless.
pub async fn create_all(client: &aws_sdk_sqs::Client, template: &Template, prefix: &str) -> anyhow::Result<QueueUrls> {
    let mut urls = QueueUrls::new();
    let mut ordered: Vec<_> = template.queues.iter().collect();
    ordered.sort_by_key(|q| q.dead_letter.is_some());
    for queue in ordered {
        let mut create = client.create_queue().queue_name(format!("{prefix}{}", queue.name));
        if let Some((dlq, receives)) = &queue.dead_letter {
            let dlq_url = urls
                .get(dlq)
                .with_context(|| format!("{}: dead-letter queue {dlq} is not declared", queue.logical_id))?;
            let arn = client
                .get_queue_attributes()
                .queue_url(dlq_url)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await?
                .attributes()
                .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
                .context("no QueueArn")?;
            let policy = serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": receives.to_string()});
            create = create.attributes(QueueAttributeName::RedrivePolicy, policy.to_string());
        }
        let url = create.send().await.with_context(|| format!("failed to create queue {}", queue.name))?;
        urls.insert(queue.logical_id.clone(), url.queue_url().context("no queue URL")?.to_owned());
    }
    Ok(urls)
}

/// Locally a failed message comes back after 5 s rather than the template's minute, so that
/// retries and the dead-letter queue show within a demo.
const LOCAL_VISIBILITY_SECS: i32 = 5;

/// Polls `url` for ever, calling the consumer with up to `batch_size` messages and deleting
/// those it did not report as failed.
pub async fn poll(
    ctx: Arc<Ctx>,
    client: aws_sdk_sqs::Client,
    function: String,
    url: String,
    batch_size: usize,
    consumer: SqsFn,
    timeout: Duration,
) {
    loop {
        let polled =
            poll_once_within(&ctx, &client, &function, &url, batch_size, LOCAL_VISIBILITY_SECS, consumer, timeout)
                .await;
        if let Err(e) = polled {
            tracing::warn!(function, error = format!("{e:#}"), "queue poll failed");
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
}

/// One receive and its handling (a failed message comes back after `visibility_secs`);
/// answers how many messages were handled. The consumer has the Timeout template.yaml gives
/// `function`.
pub async fn poll_once(
    ctx: &Ctx,
    client: &aws_sdk_sqs::Client,
    function: &str,
    url: &str,
    batch_size: usize,
    visibility_secs: i32,
    consumer: SqsFn,
) -> anyhow::Result<usize> {
    let timeout = crate::template::timeout_of(function);
    poll_once_within(ctx, client, function, url, batch_size, visibility_secs, consumer, timeout).await
}

/// [`poll_once`] with the consumer's timeout given: it gets that deadline, and is cut there as
/// Lambda cuts it (then nothing is deleted: the whole batch comes back, a receive counted).
#[allow(clippy::too_many_arguments)]
pub async fn poll_once_within(
    ctx: &Ctx,
    client: &aws_sdk_sqs::Client,
    function: &str,
    url: &str,
    batch_size: usize,
    visibility_secs: i32,
    consumer: SqsFn,
    timeout: Duration,
) -> anyhow::Result<usize> {
    let received = client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(batch_size.clamp(1, 10) as i32)
        .wait_time_seconds(1)
        .visibility_timeout(visibility_secs)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .context("receive failed")?;
    let messages = received.messages();
    if messages.is_empty() {
        return Ok(0);
    }
    let mut event = SqsEvent::default();
    event.records = messages
        .iter()
        .map(|m| {
            let mut record = SqsMessage::default();
            record.message_id = m.message_id().map(str::to_owned);
            record.receipt_handle = m.receipt_handle().map(str::to_owned);
            record.body = m.body().map(str::to_owned);
            record.md5_of_body = m.md5_of_body().map(str::to_owned);
            record.attributes = m
                .attributes()
                .map(|a| a.iter().map(|(k, v)| (k.as_str().to_owned(), v.clone())).collect())
                .unwrap_or_default();
            record.event_source = Some("aws:sqs".into());
            record.event_source_arn =
                Some(format!("arn:aws:sqs:us-east-1:000000000000:{}", url.rsplit('/').next().unwrap_or_default()));
            record.aws_region = Some("us-east-1".into());
            record
        })
        .collect();
    let span = gpet_lambda::invocation_span(function, &uuid::Uuid::new_v4().to_string());
    let deadline = gpet::Deadline::after(timeout);
    let handled = tokio::time::timeout(timeout, tracing::Instrument::instrument(consumer(ctx, event, deadline), span));
    let Ok(response) = handled.await else {
        tracing::warn!(function, messages = messages.len(), "the consumer timed out: the whole batch comes back");
        return Ok(messages.len());
    };
    let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    let done: Vec<DeleteMessageBatchRequestEntry> = messages
        .iter()
        .filter(|m| !failed.contains(&m.message_id().unwrap_or_default()))
        .enumerate()
        .filter_map(|(i, m)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .set_receipt_handle(m.receipt_handle().map(str::to_owned))
                .build()
                .ok()
        })
        .collect();
    if !done.is_empty() {
        client.delete_message_batch().queue_url(url).set_entries(Some(done)).send().await.context("delete failed")?;
    }
    Ok(messages.len())
}
