//! Every function's handler, by binary name, so the local host can run them in-process. A test
//! checks that this list and template.yaml name the same functions.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::BoxFuture;
use gpet::Ctx;
use gpet_lambda::{Body, Request, Response};

pub type HttpFn = for<'a> fn(&'a Ctx, Request) -> BoxFuture<'a, Response<Body>>;
pub type JobFn = for<'a> fn(&'a Ctx) -> BoxFuture<'a, gpet::Result<serde_json::Value>>;
pub type SqsFn = for<'a> fn(&'a Ctx, SqsEvent) -> BoxFuture<'a, SqsBatchResponse>;

#[derive(Clone, Copy)]
pub enum Handler {
    Http(HttpFn),
    Job(JobFn),
    Sqs(SqsFn),
}

#[derive(Clone, Copy)]
pub struct Entry {
    pub binary: &'static str,
    pub handler: Handler,
}

macro_rules! http {
    ($name:literal, $krate:ident) => {
        Entry { binary: $name, handler: Handler::Http(|ctx, req| Box::pin($krate::handle(ctx, req))) }
    };
}
macro_rules! job {
    ($name:literal, $krate:ident) => {
        Entry { binary: $name, handler: Handler::Job(|ctx| Box::pin($krate::run(ctx))) }
    };
}
macro_rules! sqs {
    ($name:literal, $krate:ident) => {
        Entry { binary: $name, handler: Handler::Sqs(|ctx, event| Box::pin($krate::handle(ctx, event))) }
    };
}

pub fn entries() -> Vec<Entry> {
    vec![
        http!("h5-auth-wechat-authorize", h5_auth_wechat_authorize),
        http!("h5-auth-wechat-callback", h5_auth_wechat_callback),
        http!("h5-auth-refresh", h5_auth_refresh),
        http!("h5-auth-logout", h5_auth_logout),
        http!("h5-me", h5_me),
        http!("h5-track", h5_track),
        http!("console-auth-login", console_auth_login),
        http!("console-auth-logout", console_auth_logout),
        http!("console-me", console_me),
        job!("job-outbox-relay", job_outbox_relay),
        sqs!("consume-tracking-events", consume_tracking_events),
    ]
}

pub fn find(binary: &str) -> Option<Entry> {
    entries().into_iter().find(|e| e.binary == binary)
}

/// The OpenAPI document, generated from the handlers' annotations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(
        info(
            title = "gpet API",
            description = "Every answer is the envelope {code, msg, data}; see SPEC.md for the codes."
        ),
        paths(
            h5_auth_wechat_authorize::handle,
            h5_auth_wechat_callback::handle,
            h5_auth_refresh::handle,
            h5_auth_logout::handle,
            h5_me::handle,
            h5_track::handle,
            console_auth_login::handle,
            console_auth_logout::handle,
            console_me::handle,
        )
    )]
    struct ApiDoc;
    ApiDoc::openapi()
}
