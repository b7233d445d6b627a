//! Integration tests: real PostgreSQL, Redis, SQS-API server and partner sandbox; functions
//! called through the local host over HTTP, and as built binaries through the Runtime API.

mod auth;
mod console;
mod helpers;
mod lambda_runtime;
mod local_host;
mod tracking;
