//! A CloudFormation custom resource's function: every request gets its answer PUT to the
//! request's pre-signed ResponseURL, SUCCESS or FAILED with the reason, before the invocation's
//! deadline. A function that could not start (a missing secret, an unreachable database) still
//! answers FAILED with why: without an answer CloudFormation would wait an hour.

use std::future::Future;
use std::time::Duration;

use aws_lambda_events::event::cloudformation::{
    CloudFormationCustomResourceRequest as Request, CloudFormationCustomResourceResponse as Answer,
    CloudFormationCustomResourceResponseStatus as Status,
};
use gpet::{Clock, Ctx, Env, Uses};
use lambda_runtime::LambdaEvent;
use tracing::Instrument as _;

use crate::{Error, block_on, init_tracing, invocation_span, log_cold_start};

/// The resource's physical id: one schema per stack, the same across updates (a new id would
/// make CloudFormation delete the "old" resource).
const PHYSICAL_ID: &str = "gpet-database";
/// Answered before the invocation's deadline, with this margin.
const MARGIN: Duration = Duration::from_secs(20);
/// CloudFormation refuses a longer reason.
const REASON_LIMIT: usize = 3_500;

struct Parts<'a> {
    kind: &'static str,
    request_id: &'a str,
    response_url: &'a str,
    stack_id: &'a str,
    logical_resource_id: &'a str,
    physical_resource_id: Option<&'a str>,
    properties: &'a serde_json::Value,
}

fn parts(request: &Request) -> Parts<'_> {
    match request {
        Request::Create(r) => Parts {
            kind: "Create",
            request_id: &r.request_id,
            response_url: &r.response_url,
            stack_id: &r.stack_id,
            logical_resource_id: &r.logical_resource_id,
            physical_resource_id: None,
            properties: &r.resource_properties,
        },
        Request::Update(r) => Parts {
            kind: "Update",
            request_id: &r.request_id,
            response_url: &r.response_url,
            stack_id: &r.stack_id,
            logical_resource_id: &r.logical_resource_id,
            physical_resource_id: Some(&r.physical_resource_id),
            properties: &r.resource_properties,
        },
        Request::Delete(r) => Parts {
            kind: "Delete",
            request_id: &r.request_id,
            response_url: &r.response_url,
            stack_id: &r.stack_id,
            logical_resource_id: &r.logical_resource_id,
            physical_resource_id: Some(&r.physical_resource_id),
            properties: &r.resource_properties,
        },
        _ => unreachable!("CloudFormation sends Create, Update or Delete"),
    }
}

/// `main` of a custom resource's function: `handler` gets the request type and the resource's
/// properties and answers the resource's data.
pub fn custom_resource_main<U: Uses, F, Fut>(function: &'static str, handler: F) -> Result<(), Error>
where
    F: Fn(&'static Ctx, &'static str, serde_json::Value) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = gpet::Result<serde_json::Value>> + Send,
{
    block_on(async move {
        init_tracing();
        let ctx: Result<&'static Ctx, String> = match Ctx::load::<U>(&Env::from_process(), Clock::system(), 1).await {
            Ok((ctx, took)) => {
                log_cold_start(function, &took);
                Ok(Box::leak(Box::new(ctx)))
            }
            Err(e) => {
                // Names only: configuration errors never carry a value.
                let reason = format!("{e:#}");
                tracing::error!(function, error = reason, "cold start failed");
                Err(format!("{function} could not start: {reason}"))
            }
        };
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<Request>| {
            let span = invocation_span(function, &event.context.request_id);
            let http = http.clone();
            let ctx = ctx.clone();
            async move {
                let request = parts(&event.payload);
                let budget = event.context.deadline().duration_since(std::time::SystemTime::now()).unwrap_or_default();
                let outcome = match ctx {
                    Err(reason) => Err(reason),
                    Ok(ctx) => {
                        match tokio::time::timeout(
                            budget.saturating_sub(MARGIN),
                            handler(ctx, request.kind, request.properties.clone()),
                        )
                        .await
                        {
                            Ok(Ok(data)) => Ok(data),
                            Ok(Err(e)) => {
                                crate::log_failure(&e);
                                Err(match &e {
                                    gpet::Error::Unexpected(inner) => format!("{inner:#}"),
                                    rejected => rejected.to_string(),
                                })
                            }
                            Err(_) => Err(format!("{function} ran out of time (see its log)")),
                        }
                    }
                };
                respond(&http, &request, outcome).await
            }
            .instrument(span)
        }))
        .await
    })
}

async fn respond(
    http: &reqwest::Client,
    request: &Parts<'_>,
    outcome: Result<serde_json::Value, String>,
) -> Result<(), Error> {
    let mut answer = Answer::default();
    answer.physical_resource_id = request.physical_resource_id.unwrap_or(PHYSICAL_ID).to_owned();
    answer.stack_id = request.stack_id.to_owned();
    answer.request_id = request.request_id.to_owned();
    answer.logical_resource_id = request.logical_resource_id.to_owned();
    match outcome {
        Ok(data) => {
            answer.status = Status::Success;
            // The resource's attributes (Fn::GetAtt): strings.
            let text = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            answer.data =
                data.as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), text(v))).collect()).unwrap_or_default();
        }
        Err(mut reason) => {
            answer.status = Status::Failed;
            if reason.len() > REASON_LIMIT {
                let mut cut = REASON_LIMIT;
                while !reason.is_char_boundary(cut) {
                    cut -= 1;
                }
                reason.truncate(cut);
                reason.push('…');
            }
            answer.reason = Some(reason);
        }
    }
    let body = serde_json::to_vec(&answer)?;
    // The pre-signed URL was signed without a content type: send none.
    let sent = http.put(request.response_url).header("content-type", "").body(body).send().await?;
    if !sent.status().is_success() {
        tracing::error!(status = sent.status().as_u16(), "CloudFormation's response URL refused the answer");
        return Err(format!("the response URL answered {}", sent.status()).into());
    }
    tracing::info!(status = ?answer.status, kind = request.kind, "answered CloudFormation");
    Ok(())
}
