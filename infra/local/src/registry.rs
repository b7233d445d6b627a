//! Every function's handler, by binary name, so the local host can run them in-process. A test
//! checks that this list and template.yaml name the same functions.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::BoxFuture;
use gpet::{Ctx, Deadline, Needs, Uses};
use gpet_lambda::{Body, Request, Response};

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
            handler: Handler::Job(|ctx, deadline| Box::pin($krate::run(ctx, deadline))),
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
            handler: Handler::Sqs(|ctx, event, deadline| Box::pin($krate::handle(ctx, event, deadline))),
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

/// The OpenAPI document, generated from the handlers' annotations, with the answers every route
/// shares added by [`shared_responses`].
pub fn openapi() -> serde_json::Value {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(
        info(
            title = "gpet API",
            description = "Every JSON answer is the envelope {code, msg, data}; `code` is one of SPEC.md's codes (the schema Code lists them with their meanings)."
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
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serializes");
    shared_responses(&mut doc);
    doc
}

/// Routes that answer without a login (or with an optional one: `/api/track`).
const PUBLIC: &[&str] = &[
    "/api/auth/wechat/authorize",
    "/api/auth/wechat/callback",
    "/api/auth/logout",
    "/api/console/auth/login",
    "/api/console/auth/logout",
    "/api/track",
    "/s/{code}",
];

/// The answers routes give by what they are rather than by what they do, declared once here (as
/// `components.responses`) and referenced from every operation they apply to:
/// - every route: 400 (1403), which the guard in front of every function answers to a control
///   character in the query or path, and every handler to bad input;
/// - a route with a path parameter: 404 (1404, also for an id that is not a number);
/// - a route with a body: 413 (1403, the body over its limit);
/// - a write (POST, PUT, DELETE) but a partner's callback: 403 (1403, cross-site) and 415 (1403,
///   a body that is not `application/json`);
/// - the H5 API behind a login: 401 (1401, 1406) and 503 (1503, maintenance); the console behind
///   a login: 401, and 403 (1401: the role does not allow it, or the password must change first).
///
/// Every other non-2xx answer a route declares gets the error envelope as its body.
fn shared_responses(doc: &mut serde_json::Value) {
    use serde_json::json;

    let error = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let shared = [
        ("400", "BadRequest", "1403: a parameter or the body is wrong, or holds a control character (msg says what)"),
        ("401", "Unauthorized", "1401: not logged in; 1406: the token expired (refresh it)"),
        (
            "403",
            "Forbidden",
            "1401: the role does not allow it, or the initial password must be changed first; 1403: a cross-site request",
        ),
        ("404", "NotFound", "1404: no such thing (or not the caller's)"),
        ("413", "PayloadTooLarge", "1403: the body is over its limit"),
        ("415", "UnsupportedMediaType", "1403: the body is not application/json"),
        ("503", "Maintenance", "1503: under maintenance (msg is the operators' notice)"),
    ];
    let components = doc["components"].as_object_mut().expect("the document has components");
    let responses = components.entry("responses").or_insert_with(|| json!({}));
    for (_, name, description) in shared {
        let mut response = error.clone();
        response["description"] = json!(description);
        responses[name] = response;
    }
    components["schemas"]["Error"] = json!({
        "type": "object",
        "description": "The envelope of a refusal or a failure.",
        "required": ["code", "msg", "data"],
        "properties": {
            "code": {"$ref": "#/components/schemas/Code"},
            "msg": {"type": "string", "description": "What was wrong, in Chinese, to show as it is"},
            "data": {"description": "Null, or what the code tells more of (the words of a 2003)"}
        }
    });
    let reference = |status: &str| {
        let (_, name, _) = shared.iter().find(|(s, _, _)| *s == status).expect("a shared response");
        json!({"$ref": format!("#/components/responses/{name}")})
    };
    for (path, item) in doc["paths"].as_object_mut().expect("the document has paths") {
        for (method, operation) in item.as_object_mut().expect("a path item is an object") {
            let Some(operation) = operation.as_object_mut() else { continue };
            if !operation.contains_key("responses") {
                continue;
            }
            // One id per operation (utoipa names every one after its function, `handle`).
            operation.insert("operationId".to_owned(), json!(operation_id(method, path)));
            let write = matches!(method.as_str(), "post" | "put" | "patch" | "delete");
            let has_body = operation.contains_key("requestBody");
            let has_path_param = path.contains('{');
            let callback = path.starts_with("/api/callbacks/");
            let public = PUBLIC.contains(&path.as_str()) || callback;
            let console = path.starts_with("/api/console/");
            let mut statuses = vec!["400"];
            if has_path_param {
                statuses.push("404");
            }
            if has_body {
                statuses.push("413");
            }
            if write && !callback {
                statuses.extend(["403", "415"]);
            }
            match (public, console) {
                (false, true) => statuses.extend(["401", "403"]),
                (false, false) => statuses.extend(["401", "503"]),
                // The optional login of the tracking batch still stops for maintenance.
                (true, false) if path == "/api/track" => statuses.push("503"),
                _ => {}
            }
            // The limits of every paged list (gpet::paging::PageRequest).
            for parameter in operation.get_mut("parameters").and_then(|p| p.as_array_mut()).into_iter().flatten() {
                let limits = match parameter["name"].as_str() {
                    Some("page") => json!({"type": "integer", "minimum": 1, "maximum": 1_000_000}),
                    Some("page_size") => {
                        json!({"type": "integer", "minimum": 1, "maximum": gpet::paging::MAX_PAGE_SIZE})
                    }
                    _ => continue,
                };
                if parameter["in"] == "query" {
                    parameter["schema"] = limits;
                }
            }
            let responses = operation["responses"].as_object_mut().expect("responses is an object");
            for status in statuses {
                responses.entry(status).or_insert_with(|| reference(status));
            }
            for (status, response) in responses.iter_mut() {
                let declared_error = status.starts_with('4') || status.starts_with('5');
                if declared_error && response.get("content").is_none() && response.get("$ref").is_none() {
                    response["content"] = error["content"].clone();
                }
            }
        }
    }
}

/// `get /api/console/users/{id}` → `getApiConsoleUsersById`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for word in path.split(|c: char| !c.is_ascii_alphanumeric() && c != '{') {
        let (by, word) = match word.strip_prefix('{') {
            Some(name) => ("By", name),
            None => ("", word),
        };
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            id.push_str(by);
            id.extend(first.to_uppercase().chain(chars));
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let mut all = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                all.push((method.clone(), path.clone(), operation));
            }
        }
        all
    }

    #[test]
    fn every_operation_has_its_own_id_and_its_refusals_answer_the_envelope() {
        let doc = super::openapi();
        let mut ids = std::collections::HashSet::new();
        for (method, path, operation) in operations(&doc) {
            assert!(ids.insert(operation["operationId"].as_str().unwrap().to_owned()), "{method} {path}");
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let envelope = response.get("$ref").is_some() || response.get("content").is_some();
                    assert!(envelope, "{method} {path} {status} has no body: {response}");
                }
            }
            assert!(operation["responses"]["400"].is_object(), "{method} {path}: the guard's 400");
        }
        assert_eq!(super::operation_id("get", "/api/console/users/{id}"), "getApiConsoleUsersById");
    }

    #[test]
    fn the_shared_answers_go_where_they_happen() {
        let doc = super::openapi();
        let responses = |method: &str, path: &str| doc["paths"][path][method]["responses"].clone();
        let assign = responses("post", "/api/robots/assign");
        for status in ["401", "403", "415", "422", "503"] {
            assert!(assign[status].is_object(), "assign {status}: {assign}");
        }
        assert!(assign["422"]["description"].as_str().unwrap().contains("1600"), "1600 is a 422: {assign}");
        assert!(assign["404"].is_null(), "{assign}");
        let console = responses("get", "/api/console/users/{id}");
        for status in ["401", "403", "404"] {
            assert!(console[status].is_object(), "console user {status}: {console}");
        }
        assert!(console["503"].is_null(), "maintenance is the H5 API's only");
        let login = responses("post", "/api/console/auth/login");
        assert!(login["401"].is_null() || login["401"]["$ref"].is_null(), "the login is public: {login}");
        assert!(login["413"].is_object() && login["415"].is_object(), "{login}");
        let callback = responses("post", "/api/callbacks/robot-events");
        assert!(callback["415"].is_null(), "a partner's callback takes its own content type: {callback}");
    }

    #[test]
    fn codes_are_integers_and_answers_fit_their_schemas() {
        let doc = super::openapi();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Code"]["type"], "integer");
        assert_eq!(schemas["Error"]["properties"]["code"]["$ref"], "#/components/schemas/Code");
        // The GET and the PUT answer released_pct_now beside the strategy's own fields.
        let distribution = &schemas["Distribution"];
        assert!(distribution["properties"]["released_pct_now"].is_object(), "{distribution}");
        assert!(distribution.get("additionalProperties").is_none() && distribution.get("allOf").is_none());
        // What refuses unknown fields is a request's schema, and no answer's.
        assert_eq!(schemas["DistributionSettings"]["additionalProperties"], false);
    }
}
