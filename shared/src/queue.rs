//! SQS: the same aws-sdk-sqs code talks to AWS and to the local SQS-API server.

use anyhow::Context as _;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

use crate::config::{QueueConfig, QueueSet};

/// The queues gpet writes to or reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Queue {
    TrackingEvents,
    BiEvents,
    RobotEvents,
    Payouts,
    TrackingEventsDlq,
    RobotEventsDlq,
    PayoutsDlq,
}

impl Queue {
    pub const ALL: [Queue; 7] = [
        Queue::TrackingEvents,
        Queue::BiEvents,
        Queue::RobotEvents,
        Queue::Payouts,
        Queue::TrackingEventsDlq,
        Queue::RobotEventsDlq,
        Queue::PayoutsDlq,
    ];

    /// The dead-letter queues of our consumers, shown in the console.
    pub const DEAD_LETTERS: [Queue; 3] = [Queue::RobotEventsDlq, Queue::TrackingEventsDlq, Queue::PayoutsDlq];

    /// The name in every environment (and in the outbox's `queue` column).
    pub fn name(self) -> &'static str {
        match self {
            Queue::TrackingEvents => "gpet-tracking-events",
            Queue::BiEvents => "gpet-bi-events",
            Queue::RobotEvents => "gpet-robot-events",
            Queue::Payouts => "gpet-payouts",
            Queue::TrackingEventsDlq => "gpet-tracking-events-dlq",
            Queue::RobotEventsDlq => "gpet-robot-events-dlq",
            Queue::PayoutsDlq => "gpet-payouts-dlq",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.name() == name)
    }

    /// The variable that holds its URL.
    pub fn url_variable(self) -> &'static str {
        match self {
            Queue::TrackingEvents => "GPET_TRACKING_QUEUE_URL",
            Queue::BiEvents => "GPET_BI_QUEUE_URL",
            Queue::RobotEvents => "GPET_ROBOT_EVENTS_QUEUE_URL",
            Queue::Payouts => "GPET_PAYOUTS_QUEUE_URL",
            Queue::TrackingEventsDlq => "GPET_TRACKING_DLQ_URL",
            Queue::RobotEventsDlq => "GPET_ROBOT_EVENTS_DLQ_URL",
            Queue::PayoutsDlq => "GPET_PAYOUTS_DLQ_URL",
        }
    }

    /// Where a dead letter goes back to on redrive.
    pub fn source(self) -> Option<Queue> {
        match self {
            Queue::TrackingEventsDlq => Some(Queue::TrackingEvents),
            Queue::RobotEventsDlq => Some(Queue::RobotEvents),
            Queue::PayoutsDlq => Some(Queue::Payouts),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct Queues {
    client: aws_sdk_sqs::Client,
    config: QueueConfig,
}

/// At most 10 entries per SendMessageBatch (an SQS limit).
pub const BATCH: usize = 10;

impl Queues {
    /// `endpoint`: SQS's own endpoint when it differs from the other services' (the SDKs'
    /// `AWS_ENDPOINT_URL_SQS`).
    pub fn new(sdk: &aws_config::SdkConfig, config: QueueConfig, endpoint: Option<&str>) -> Self {
        let client = match endpoint {
            Some(url) => {
                aws_sdk_sqs::Client::from_conf(aws_sdk_sqs::config::Builder::from(sdk).endpoint_url(url).build())
            }
            None => client(sdk),
        };
        Self { client, config }
    }

    /// The URL of a queue this function was given; another one is a programming error (its
    /// `Needs` did not name the queue) that shows only when a call gets here, so only a test
    /// taking that path catches it.
    pub fn url(&self, queue: Queue) -> Result<&str, crate::Error> {
        self.config.url(queue).ok_or_else(|| {
            crate::Error::Unexpected(anyhow::anyhow!("queue {} is not configured for this function", queue.name()))
        })
    }

    /// The same client, given only the queues of `queues`.
    pub fn only(&self, queues: QueueSet) -> Queues {
        Queues { client: self.client.clone(), config: self.config.only(queues) }
    }

    pub fn client(&self) -> &aws_sdk_sqs::Client {
        &self.client
    }

    /// Sends up to [`BATCH`] messages; answers the ids of the entries SQS refused (the caller
    /// keeps them for another try). Fails whole when the call itself fails.
    pub async fn send_batch(&self, queue: Queue, entries: &[(String, String)]) -> anyhow::Result<Vec<String>> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let batch = entries
            .iter()
            .map(|(id, body)| SendMessageBatchRequestEntry::builder().id(id).message_body(body).build())
            .collect::<Result<Vec<_>, _>>()
            .context("failed to build a batch entry")?;
        let out = self
            .client
            .send_message_batch()
            .queue_url(self.url(queue)?)
            .set_entries(Some(batch))
            .send()
            .await
            .with_context(|| format!("failed to send to {}", queue.name()))?;
        for failed in out.failed() {
            tracing::warn!(queue = queue.name(), id = failed.id(), code = failed.code(), "message refused by SQS");
        }
        Ok(out.failed().iter().map(|f| f.id().to_owned()).collect())
    }
}

/// How SQS answered one message sent alone.
#[derive(Debug)]
pub enum SendOutcome {
    Sent,
    /// Refused for what the message is (a character SQS does not take, a body too long): it
    /// will never be accepted as it is. The reason is SQS's.
    Refused(String),
    /// Not sent for another reason (the queue unreachable, throttled): worth another try.
    Failed(anyhow::Error),
}

impl Queues {
    /// Sends one message (SendMessage), telling a refusal of the message itself from a failure.
    pub async fn send_one(&self, queue: Queue, body: &str) -> SendOutcome {
        use aws_sdk_sqs::error::ProvideErrorMetadata as _;
        let url = match self.url(queue) {
            Ok(url) => url,
            Err(e) => return SendOutcome::Failed(anyhow::anyhow!("{e}")),
        };
        match self.client.send_message().queue_url(url).message_body(body).send().await {
            Ok(_) => SendOutcome::Sent,
            Err(e) => {
                let code = e.code().unwrap_or_default().to_owned();
                let message = e.message().unwrap_or_default().to_owned();
                let refused = e.as_service_error().is_some_and(|s| s.is_invalid_message_contents())
                    || ["InvalidMessageContents", "InvalidParameterValue", "MessageTooLong"]
                        .iter()
                        .any(|c| code.contains(c));
                if refused {
                    SendOutcome::Refused(format!("{code}: {message}"))
                } else {
                    SendOutcome::Failed(anyhow::Error::new(e).context(format!("failed to send to {}", queue.name())))
                }
            }
        }
    }
}

/// An SQS client of the instance's SDK configuration (locally, the endpoint of the local
/// AWS-API server).
pub fn client(sdk: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(sdk)
}
