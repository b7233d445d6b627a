//! Every function's handler, by binary name, so the local host can run them in-process. A test
//! checks that this list and template.yaml name the same functions.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::BoxFuture;
use gpet::{Ctx, Needs, Uses};
use gpet_lambda::{Body, Request, Response};

pub type HttpFn = for<'a> fn(&'a Ctx, Request) -> BoxFuture<'a, Response<Body>>;
pub type JobFn = for<'a> fn(&'a Ctx) -> BoxFuture<'a, gpet::Result<serde_json::Value>>;
pub type SqsFn = for<'a> fn(&'a Ctx, SqsEvent) -> BoxFuture<'a, SqsBatchResponse>;
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

#[derive(Clone, Copy)]
pub struct Entry {
    pub binary: &'static str,
    pub handler: Handler,
    /// The parts its binary builds: what its variables, secrets and queues must be.
    pub needs: Needs,
}

macro_rules! http {
    ($name:literal, $krate:ident) => {
        Entry {
            binary: $name,
            handler: Handler::Http(|ctx, req| Box::pin($krate::handle(ctx, req))),
            needs: <$krate::Parts as Uses>::NEEDS,
        }
    };
}
macro_rules! job {
    ($name:literal, $krate:ident) => {
        Entry {
            binary: $name,
            handler: Handler::Job(|ctx| Box::pin($krate::run(ctx))),
            needs: <$krate::Parts as Uses>::NEEDS,
        }
    };
}
macro_rules! deploy {
    ($name:literal, $krate:ident) => {
        Entry {
            binary: $name,
            handler: Handler::Deploy(|ctx, kind, properties| Box::pin($krate::handle(ctx, kind, properties))),
            needs: <$krate::Parts as Uses>::NEEDS,
        }
    };
}
macro_rules! sqs {
    ($name:literal, $krate:ident) => {
        Entry {
            binary: $name,
            handler: Handler::Sqs(|ctx, event| Box::pin($krate::handle(ctx, event))),
            needs: <$krate::Parts as Uses>::NEEDS,
        }
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
        http!("h5-wechat-js-config", h5_wechat_js_config),
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
        http!("h5-account-get", h5_account_get),
        http!("h5-account-flows", h5_account_flows),
        http!("h5-withdrawals-create", h5_withdrawals_create),
        http!("h5-withdrawals-list", h5_withdrawals_list),
        http!("h5-withdrawals-get", h5_withdrawals_get),
        http!("callback-ad-click", callback_ad_click),
        http!("callback-wechat-pay-transfer", callback_wechat_pay_transfer),
        http!("console-settlements-list", console_settlements_list),
        http!("console-settlements-get", console_settlements_get),
        http!("console-settlements-run", console_settlements_run),
        http!("console-withdrawals-list", console_withdrawals_list),
        http!("console-withdrawals-retry", console_withdrawals_retry),
        http!("console-withdrawals-reject", console_withdrawals_reject),
        http!("console-payouts-reconciliation", console_payouts_reconciliation),
        http!("console-ledger-audit", console_ledger_audit),
        job!("job-settlement", job_settlement),
        job!("job-payout-reconcile", job_payout_reconcile),
        job!("job-ledger-audit", job_ledger_audit),
        sqs!("consume-payouts", consume_payouts),
        http!("h5-robots-assign", h5_robots_assign),
        http!("h5-groups-list", h5_groups_list),
        http!("h5-groups-get", h5_groups_get),
        http!("h5-groups-delete", h5_groups_delete),
        http!("h5-keywords-list", h5_keywords_list),
        http!("h5-keywords-create", h5_keywords_create),
        http!("h5-keywords-delete", h5_keywords_delete),
        http!("h5-broadcasts-list", h5_broadcasts_list),
        http!("h5-broadcasts-preview", h5_broadcasts_preview),
        http!("h5-broadcasts-create", h5_broadcasts_create),
        http!("h5-broadcasts-delete", h5_broadcasts_delete),
        http!("callback-robot-events", callback_robot_events),
        http!("console-robots-list", console_robots_list),
        http!("console-robots-create", console_robots_create),
        http!("console-robots-update", console_robots_update),
        http!("console-distribution-get", console_distribution_get),
        http!("console-distribution-put", console_distribution_put),
        http!("console-groups-list", console_groups_list),
        http!("console-groups-get", console_groups_get),
        http!("console-groups-exit", console_groups_exit),
        http!("console-campaigns-list", console_campaigns_list),
        http!("console-campaigns-create", console_campaigns_create),
        http!("console-campaigns-update", console_campaigns_update),
        http!("console-campaigns-delete", console_campaigns_delete),
        http!("console-dead-letters-list", console_dead_letters_list),
        http!("console-dead-letters-redrive", console_dead_letters_redrive),
        job!("job-robot-snapshot", job_robot_snapshot),
        job!("job-group-rating", job_group_rating),
        job!("job-launch-sync", job_launch_sync),
        job!("job-group-purge", job_group_purge),
        job!("job-broadcast-dispatch", job_broadcast_dispatch),
        job!("job-campaign-dispatch", job_campaign_dispatch),
        sqs!("consume-robot-events", consume_robot_events),
        http!("console-me-password", console_me_password),
        http!("h5-web-shell", h5_web_shell),
        deploy!("job-migrate", job_migrate),
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
            console_me_password::handle,
            h5_me_phone_code::handle,
            h5_me_phone::handle,
            h5_me_identity::handle,
            h5_home::handle,
            h5_referral::handle,
            h5_wechat_js_config::handle,
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
            h5_robots_assign::handle,
            h5_groups_list::handle,
            h5_groups_get::handle,
            h5_groups_delete::handle,
            h5_keywords_list::handle,
            h5_keywords_create::handle,
            h5_keywords_delete::handle,
            h5_broadcasts_list::handle,
            h5_broadcasts_preview::handle,
            h5_broadcasts_create::handle,
            h5_broadcasts_delete::handle,
            callback_robot_events::handle,
            console_robots_list::handle,
            console_robots_create::handle,
            console_robots_update::handle,
            console_distribution_get::handle,
            console_distribution_put::handle,
            console_groups_list::handle,
            console_groups_get::handle,
            console_groups_exit::handle,
            console_campaigns_list::handle,
            console_campaigns_create::handle,
            console_campaigns_update::handle,
            console_campaigns_delete::handle,
            console_dead_letters_list::handle,
            console_dead_letters_redrive::handle,
            h5_account_get::handle,
            h5_account_flows::handle,
            h5_withdrawals_create::handle,
            h5_withdrawals_list::handle,
            h5_withdrawals_get::handle,
            callback_ad_click::handle,
            callback_wechat_pay_transfer::handle,
            console_settlements_list::handle,
            console_settlements_get::handle,
            console_settlements_run::handle,
            console_withdrawals_list::handle,
            console_withdrawals_retry::handle,
            console_withdrawals_reject::handle,
            console_payouts_reconciliation::handle,
            console_ledger_audit::handle,
        )
    )]
    struct ApiDoc;
    ApiDoc::openapi()
}
