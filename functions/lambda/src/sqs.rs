//! Queue consumers: messages in, partial batch failures out.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};

/// (message id, body) of each message.
pub fn messages(event: &SqsEvent) -> Vec<(String, String)> {
    event
        .records
        .iter()
        .map(|m| (m.message_id.clone().unwrap_or_default(), m.body.clone().unwrap_or_default()))
        .collect()
}

/// What to tell SQS: the messages to retry, or all of them when the handler failed whole.
pub fn batch_response(messages: &[(String, String)], outcome: gpet::Result<Vec<String>>) -> SqsBatchResponse {
    let retry = match outcome {
        Ok(retry) => retry,
        Err(e) => {
            crate::log_failure(&e);
            messages.iter().map(|(id, _)| id.clone()).collect()
        }
    };
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = retry
        .into_iter()
        .map(|id| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    response
}
