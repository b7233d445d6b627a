//! The Lambda side of every function: cold start (tracing, configuration, connections), the
//! runtime loops for HTTP, scheduled and queue functions, and the HTTP envelope. The domain
//! crate knows nothing of this; the local host calls the same handlers in-process.

pub mod custom_resource;
pub mod function;
pub mod http;
pub mod sqs;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use gpet::{Clock, Ctx, Deadline, Env, Uses};
use lambda_runtime::LambdaEvent;
use tracing::Instrument as _;

pub use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
pub use lambda_http::{Body, Request, Response};
pub use lambda_runtime::Error;
/// For `function!`'s expansion in the function crates.
pub use serde_json;

/// Connections per instance: a Lambda instance serves one request at a time.
const LAMBDA_POOL_SIZE: usize = 2;

static COLD: AtomicBool = AtomicBool::new(true);

/// The root span of one invocation: every log line of it carries the function's name, the
/// request id and whether the instance was cold.
pub fn invocation_span(function: &str, request_id: &str) -> tracing::Span {
    let cold_start = COLD.swap(false, Ordering::Relaxed);
    tracing::info_span!("invocation", function, request_id, cold_start)
}

pub use custom_resource::custom_resource_main;

fn init_tracing() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .init();
}

fn log_cold_start(function: &str, took: &gpet::context::ColdStart) {
    tracing::info!(
        function,
        secrets_ms = took.secrets_ms,
        postgres_ms = took.postgres_ms,
        redis_ms = took.redis_ms,
        init_ms = took.total_ms,
        "cold start"
    );
}

/// Everything built once per instance, before the first event: the variables read, the
/// secrets fetched, PostgreSQL and Redis connected. A missing or bad variable or secret fails the
/// start with its name (Lambda reports an init error). One line tells what the start spent.
async fn cold_start<U: Uses>(function: &'static str) -> Result<&'static Ctx, Error> {
    init_tracing();
    match Ctx::load::<U>(&Env::from_process(), Clock::system(), LAMBDA_POOL_SIZE).await {
        Ok((ctx, took)) => {
            log_cold_start(function, &took);
            Ok(Box::leak(Box::new(ctx)))
        }
        Err(e) => {
            tracing::error!(function, error = format!("{e:#}"), "cold start failed");
            Err(e.into())
        }
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime starts").block_on(future)
}

/// `main` of an HTTP function (API Gateway HTTP API, payload v2). Every request passes
/// `http::guard` first.
pub fn http_main<U: Uses, F, Fut>(function: &'static str, handler: F) -> Result<(), Error>
where
    F: Fn(&'static Ctx, Request) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Response<Body>> + Send,
{
    block_on(async move {
        let ctx = cold_start::<U>(function).await?;
        lambda_http::run(lambda_http::service_fn(move |req: Request| {
            use lambda_http::RequestExt as _;
            let request_id = req.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_default();
            let span = invocation_span(function, &request_id);
            async move {
                // The same guard as the local host's: the route's kind is the function's.
                match http::guard(ctx, function, &req) {
                    Some(refused) => Ok::<_, Error>(refused),
                    None => Ok(handler(ctx, req).await),
                }
            }
            .instrument(span)
        }))
        .await
    })
}

/// `main` of a scheduled job (EventBridge Scheduler). The job's report is the invocation's
/// result; a failure fails the invocation, and the scheduler's retry policy applies. The job is
/// given the invocation's deadline, and stops taking work a margin before it.
pub fn job_main<U: Uses, F, Fut>(function: &'static str, job: F) -> Result<(), Error>
where
    F: Fn(&'static Ctx, Deadline) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = gpet::Result<serde_json::Value>> + Send,
{
    block_on(async move {
        let ctx = cold_start::<U>(function).await?;
        lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<serde_json::Value>| {
            let span = invocation_span(function, &event.context.request_id);
            let deadline = Deadline::at(event.context.deadline());
            // Boxed: a job's future is deep, and its type need not be part of the runtime's.
            let run = Box::pin(job(ctx, deadline));
            async move { run.await.map_err(|e| log_failure(&e)) }.instrument(span)
        }))
        .await
    })
}

/// `main` of a queue consumer (SQS, with ReportBatchItemFailures), given the invocation's
/// deadline: what it has not handled by then it reports as failed, and SQS sends it again.
pub fn sqs_main<U: Uses, F, Fut>(function: &'static str, consumer: F) -> Result<(), Error>
where
    F: Fn(&'static Ctx, SqsEvent, Deadline) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = SqsBatchResponse> + Send,
{
    block_on(async move {
        let ctx = cold_start::<U>(function).await?;
        lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<SqsEvent>| {
            let span = invocation_span(function, &event.context.request_id);
            let deadline = Deadline::at(event.context.deadline());
            async move { Ok::<_, Error>(consumer(ctx, event.payload, deadline).await) }.instrument(span)
        }))
        .await
    })
}

/// Logs a domain error as it deserves (an unexpected one with its whole chain) and turns it
/// into what the runtime reports.
pub fn log_failure(e: &gpet::Error) -> Error {
    match e {
        gpet::Error::Unexpected(inner) => tracing::error!(error = format!("{inner:#}"), "failed"),
        // A refusal is the client's doing: worth a line, not an alarm.
        rejected => tracing::info!(code = rejected.code().as_u16(), msg = %rejected, "refused"),
    }
    e.client_message().into_owned().into()
}
