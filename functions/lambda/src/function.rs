//! Declaring a function. A function crate is one file, `src/main.rs`: its handler and one line,
//!
//! ```ignore
//! gpet_lambda::function!(http; db, cache, auth, sends = &[Queue::Payouts]);
//! ```
//!
//! naming its kind and the parts of the context it uses (`gpet::Needs`: a bare name is a part it
//! needs, `sends = …` and `receives = …` the queues it writes to and reads from). The macro emits
//! `Parts` (the parts as a type, so the binary links only the clients it uses), `main` (what the
//! binary runs in Lambda), and `entry` (the same handler for the local host, which compiles every
//! function of template.yaml as one of its modules: infra/local/build.rs). Both wrap the handler
//! the same way: its `gpet::Result` becomes the envelope, a job's report its JSON, a consumer's
//! list of messages to retry the batch response.
//!
//! The kinds, and the handler each expects in the crate:
//! - `http`: `async fn handle(&Ctx, Request) -> gpet::Result<T: Serialize>`, answered as the envelope
//!   `{code, msg, data}`; the route's OpenAPI description is `handle`'s `#[utoipa::path]`;
//! - `http_response`: `async fn handle(&Ctx, Request) -> gpet::Result<Response<Body>>` for the
//!   routes that answer something else (a redirect, a page, a file, a cookie), a refusal still the
//!   envelope; `http_response, undocumented` for one that is not part of the API (the web shell);
//! - `job` (EventBridge Scheduler): `async fn run(&Ctx, Deadline) -> gpet::Result<R: Serialize>`;
//! - `sqs`: `async fn handle(&Ctx, &[(id, body)], Deadline) -> gpet::Result<Vec<id to retry>>`;
//! - `deploy` (a CloudFormation custom resource): `async fn handle(&Ctx, request type,
//!   &properties) -> gpet::Result<R: Serialize>`, its report the resource's data.

use std::future::Future;
use std::pin::Pin;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use gpet::{Ctx, Deadline, Needs};
use lambda_http::{Body, Request, Response};
use serde::Serialize;

/// A boxed future borrowing the context for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub type HttpFn = for<'a> fn(&'a Ctx, Request) -> BoxFuture<'a, Response<Body>>;
/// A scheduled job, given its invocation's deadline.
pub type JobFn = for<'a> fn(&'a Ctx, Deadline) -> BoxFuture<'a, gpet::Result<serde_json::Value>>;
/// A queue consumer, given a batch and its invocation's deadline.
pub type SqsFn = for<'a> fn(&'a Ctx, SqsEvent, Deadline) -> BoxFuture<'a, SqsBatchResponse>;
/// A CloudFormation custom resource's handler: request type and resource properties.
pub type DeployFn =
    for<'a> fn(&'a Ctx, &'a str, &'a serde_json::Value) -> BoxFuture<'a, gpet::Result<serde_json::Value>>;

#[derive(Clone, Copy)]
pub enum Handler {
    Http(HttpFn),
    Job(JobFn),
    Sqs(SqsFn),
    Deploy(DeployFn),
}

/// A function as the local host runs it: its binary's name, its handler as the binary wraps it,
/// and the parts its binary builds (what its variables, secrets and queues must be).
#[derive(Clone, Copy)]
pub struct Entry {
    pub binary: &'static str,
    pub handler: Handler,
    pub needs: Needs,
    /// Its routes' part of the OpenAPI document (an HTTP function's, unless undocumented).
    pub openapi: Option<fn() -> utoipa::openapi::OpenApi>,
}

/// A job's (or the deploy's) report as the invocation's JSON result.
pub fn report<R: Serialize>(report: gpet::Result<R>) -> gpet::Result<serde_json::Value> {
    report.and_then(|r| {
        serde_json::to_value(r).map_err(|e| gpet::Error::Unexpected(anyhow::Error::new(e).context("the report")))
    })
}

/// Declares the crate's function: see the module's documentation.
#[macro_export]
macro_rules! function {
    ($kind:ident $(, $flag:ident)?; $($part:ident $(= $queues:expr)?),* $(,)?) => {
        /// The parts of the context this function uses.
        pub struct Parts;

        impl ::gpet::Uses for Parts {
            const NEEDS: ::gpet::Needs = {
                #[allow(unused_mut)]
                let mut needs = ::gpet::Needs::NONE;
                $($crate::function!(@part needs, $part $(= $queues)?);)*
                needs
            };
        }

        $crate::function!(@kind $kind $(, $flag)?);

        /// The function as the local host runs it, under its binary's name.
        pub fn entry(binary: &'static str) -> $crate::function::Entry {
            $crate::function::Entry {
                binary,
                handler: $crate::function!(@handler $kind),
                needs: <Parts as ::gpet::Uses>::NEEDS,
                openapi: $crate::function!(@openapi $kind $(, $flag)?),
            }
        }
    };

    (@part $needs:ident, $part:ident) => { $needs.$part = true; };
    (@part $needs:ident, $part:ident = $queues:expr) => { $needs.$part = ::gpet::config::QueueSet::of($queues); };

    (@kind http) => {
        /// The handler's answer as the envelope.
        pub async fn respond(ctx: &::gpet::Ctx, req: $crate::Request) -> $crate::Response<$crate::Body> {
            $crate::http::reply(handle(ctx, req).await)
        }
        $crate::function!(@main http_main, respond);
    };
    (@kind http_response $(, undocumented)?) => {
        /// The handler's answer, or its refusal as the envelope.
        pub async fn respond(ctx: &::gpet::Ctx, req: $crate::Request) -> $crate::Response<$crate::Body> {
            handle(ctx, req).await.unwrap_or_else(|e| $crate::http::error(&e))
        }
        $crate::function!(@main http_main, respond);
    };
    (@kind job) => {
        /// The job's report as the invocation's JSON result.
        pub async fn respond(ctx: &::gpet::Ctx, deadline: ::gpet::Deadline) -> ::gpet::Result<$crate::serde_json::Value> {
            $crate::function::report(run(ctx, deadline).await)
        }
        $crate::function!(@main job_main, respond);
    };
    (@kind sqs) => {
        /// The batch's messages to the handler, the ones to retry back to SQS.
        pub async fn respond(
            ctx: &::gpet::Ctx,
            event: $crate::SqsEvent,
            deadline: ::gpet::Deadline,
        ) -> $crate::SqsBatchResponse {
            let messages = $crate::sqs::messages(&event);
            let retry = handle(ctx, &messages, deadline).await;
            $crate::sqs::batch_response(&messages, retry)
        }
        $crate::function!(@main sqs_main, respond);
    };
    (@kind deploy) => {
        /// The custom resource's answer.
        pub async fn respond(
            ctx: &::gpet::Ctx,
            request_type: &str,
            properties: &$crate::serde_json::Value,
        ) -> ::gpet::Result<$crate::serde_json::Value> {
            $crate::function::report(handle(ctx, request_type, properties).await)
        }
        /// What the crate's binary runs in Lambda.
        pub fn main() -> Result<(), $crate::Error> {
            $crate::custom_resource_main::<Parts, _, _>(env!("CARGO_PKG_NAME"), |ctx, kind, properties| async move {
                respond(ctx, kind, &properties).await
            })
        }
    };

    (@main $runtime:ident, $respond:ident) => {
        /// What the crate's binary runs in Lambda.
        pub fn main() -> Result<(), $crate::Error> {
            $crate::$runtime::<Parts, _, _>(env!("CARGO_PKG_NAME"), $respond)
        }
    };

    (@handler http) => { $crate::function::Handler::Http(|ctx, req| Box::pin(respond(ctx, req))) };
    (@handler http_response) => { $crate::function!(@handler http) };
    (@handler job) => { $crate::function::Handler::Job(|ctx, deadline| Box::pin(respond(ctx, deadline))) };
    (@handler sqs) => { $crate::function::Handler::Sqs(|ctx, event, deadline| Box::pin(respond(ctx, event, deadline))) };
    (@handler deploy) => {
        $crate::function::Handler::Deploy(|ctx, kind, properties| Box::pin(respond(ctx, kind, properties)))
    };

    (@openapi http) => { $crate::function!(@documented) };
    (@openapi http_response) => { $crate::function!(@documented) };
    (@openapi http_response, undocumented) => { None };
    (@openapi $other:ident) => { None };
    (@documented) => {{
        #[derive(::utoipa::OpenApi)]
        #[openapi(paths(handle))]
        struct Route;
        Some(<Route as ::utoipa::OpenApi>::openapi as fn() -> ::utoipa::openapi::OpenApi)
    }};
}
