//! gpet's domain: rules, SQL, Redis, queues and partner clients, shared by every function.
//! No Lambda type appears here: functions adapt their events to these plain operations.

pub mod account;
pub mod activity;
pub mod ads;
pub mod alerts;
pub mod auth;
pub mod broadcasts;
pub mod cache;
pub mod campaigns;
pub mod clock;
pub mod config;
pub mod content;
pub mod context;
pub mod db;
pub mod dead_letters;
pub mod deliveries;
pub mod error;
pub mod groups;
pub mod keywords;
pub mod ledger;
pub mod login;
pub mod operations;
pub mod operators;
pub mod outbox;
pub mod paging;
pub mod partners;
pub mod payouts;
pub mod profile;
pub mod queue;
pub mod referral;
pub mod robot_events;
pub mod robots;
pub mod sensitive_words;
pub mod sessions;
pub mod settings;
pub mod settlement;
pub mod short_links;
pub mod tracking;
pub mod users;
pub mod withdrawals;

pub use clock::{BusinessDay, Clock};
pub use config::{Env, Everything, Needs, Uses};
pub use context::Ctx;
pub use error::{Code, Envelope, Error, Result};
