//! The local host: runs every gpet function in-process (routes, schedules and queues read from
//! template.yaml) against local PostgreSQL, Redis, an SQS-API server and the partner sandbox;
//! plus the Lambda Runtime API emulator that the real binaries are tested against.

pub mod functions;
pub mod host;
pub mod queues;
pub mod registry;
pub mod rendered;
pub mod runtime_api;
pub mod schedule;
pub mod seed;
pub mod setup;
pub mod stack;
pub mod template;
