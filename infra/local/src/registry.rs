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
        http!("h5-me-phone-code", h5_me_phone_code),
        http!("h5-me-phone", h5_me_phone),
        http!("h5-me-identity", h5_me_identity),
        http!("h5-home", h5_home),
        http!("h5-referral", h5_referral),
        http!("h5-short-link", h5_short_link),
        http!("console-dashboard", console_dashboard),
        http!("console-users-list", console_users_list),
        http!("console-users-get", console_users_get),
        http!("console-users-freeze", console_users_freeze),
        http!("console-users-unfreeze", console_users_unfreeze),
        http!("console-sensitive-words-list", console_sensitive_words_list),
        http!("console-sensitive-words-create", console_sensitive_words_create),
        http!("console-sensitive-words-delete", console_sensitive_words_delete),
        http!("console-marquees-list", console_marquees_list),
        http!("console-marquees-create", console_marquees_create),
        http!("console-marquees-update", console_marquees_update),
        http!("console-marquees-delete", console_marquees_delete),
        http!("console-short-links-list", console_short_links_list),
        http!("console-short-links-create", console_short_links_create),
        http!("console-short-links-disable", console_short_links_disable),
        http!("console-maintenance-get", console_maintenance_get),
        http!("console-maintenance-put", console_maintenance_put),
        http!("console-settings-get", console_settings_get),
        http!("console-settings-put", console_settings_put),
        http!("console-audit-log", console_audit_log),
        http!("console-operators-list", console_operators_list),
        http!("console-operators-create", console_operators_create),
        http!("console-operators-update", console_operators_update),
        job!("job-dau-rollup", job_dau_rollup),
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
            h5_me_phone_code::handle,
            h5_me_phone::handle,
            h5_me_identity::handle,
            h5_home::handle,
            h5_referral::handle,
            h5_short_link::handle,
            console_dashboard::handle,
            console_users_list::handle,
            console_users_get::handle,
            console_users_freeze::handle,
            console_users_unfreeze::handle,
            console_sensitive_words_list::handle,
            console_sensitive_words_create::handle,
            console_sensitive_words_delete::handle,
            console_marquees_list::handle,
            console_marquees_create::handle,
            console_marquees_update::handle,
            console_marquees_delete::handle,
            console_short_links_list::handle,
            console_short_links_create::handle,
            console_short_links_disable::handle,
            console_maintenance_get::handle,
            console_maintenance_put::handle,
            console_settings_get::handle,
            console_settings_put::handle,
            console_audit_log::handle,
            console_operators_list::handle,
            console_operators_create::handle,
            console_operators_update::handle,
        )
    )]
    struct ApiDoc;
    ApiDoc::openapi()
}
