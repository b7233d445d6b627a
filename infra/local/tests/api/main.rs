//! Integration tests: real PostgreSQL, Redis, SQS-API server and partner sandbox; functions
//! called through the local host over HTTP, and as built binaries through the Runtime API.

mod alerts;
mod auth;
mod console;
mod console_admin;
mod deadlines;
mod deploy_template;
mod hardening;
mod helpers;
mod lambda_runtime;
mod local_host;
mod money_ledger;
mod money_properties;
mod money_reconciliation;
mod money_settlement;
mod money_withdrawals;
mod operations;
mod ownership_and_limits;
mod profile;
mod referral;
mod robot_health;
mod robots;
mod short_links;
mod star_rule;
mod tracking;
mod wechat_jssdk;
