//! The function binaries sections a–c start and weigh: where they are, what each is given
//! (the deployed environment, a recorded event) and what it must answer.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use gpet_local::runtime_api::{LambdaProcess, Outcome};
use serde_json::{Value, json};

use crate::stack::Stack;

/// The anchor: a Lambda function that answers `{"hello": "world"}` and reads nothing.
pub const HELLO: &str = "lambda-hello";
/// The functions measured (bench.sh builds these in release).
const FUNCTIONS: [&str; 3] = ["h5-me", "job-outbox-relay", "consume-tracking-events"];

/// The anchor first, then the functions measured.
pub fn names() -> Vec<&'static str> {
    std::iter::once(HELLO).chain(FUNCTIONS).collect()
}

/// The directory of the binaries built with this one (target/release when run by bench.sh).
pub fn binaries_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find gpet-bench's own path")?;
    Ok(exe.parent().context("gpet-bench lives in a directory")?.to_owned())
}

fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let path = binaries_dir()?.join(name);
    anyhow::ensure!(path.is_file(), "{} is not built: run infra/scripts/bench.sh (`make bench`)", path.display());
    Ok(path)
}

fn recorded(file: &str) -> anyhow::Result<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events").join(file);
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// The events each function gets: the recorded ones, with the demo user's session cookie for
/// /api/me and a new event id per SQS delivery (so every run stores and forwards, not dedupes).
pub struct Events {
    get_me: Value,
    schedule: Value,
    sqs: Value,
}

impl Events {
    pub fn load(stack: &Stack) -> anyhow::Result<Events> {
        let mut get_me = recorded("apigw-http-get-me.json")?;
        get_me["cookies"].as_array_mut().context("the recorded event has cookies")?.push(json!(stack.session_cookie));
        Ok(Events {
            get_me,
            schedule: recorded("scheduler-outbox-relay.json")?,
            sqs: recorded("sqs-tracking-events.json")?,
        })
    }

    pub fn for_function(&self, name: &str) -> anyhow::Result<Value> {
        Ok(match name {
            HELLO => json!({}),
            "h5-me" => self.get_me.clone(),
            "job-outbox-relay" => self.schedule.clone(),
            "consume-tracking-events" => {
                let mut event = self.sqs.clone();
                let record = &mut event["Records"][0];
                let mut body: Value = serde_json::from_str(record["body"].as_str().context("a body")?)?;
                body["event_id"] = json!(uuid::Uuid::new_v4());
                record["body"] = json!(body.to_string());
                record["messageId"] = json!(uuid::Uuid::new_v4());
                event
            }
            other => anyhow::bail!("no event for {other}"),
        })
    }
}

/// Fails unless the function answered what it answers when it works: the figures of a broken
/// function would mean nothing.
pub fn check_answer(name: &str, outcome: Outcome) -> anyhow::Result<()> {
    let ok = match (&outcome, name) {
        (Outcome::Response(r), "h5-me") => r["statusCode"] == 200,
        (Outcome::Response(r), "consume-tracking-events") => {
            // The recorded garbage record fails, the valid one does not.
            r["batchItemFailures"].as_array().is_some_and(|f| f.len() == 1)
        }
        (Outcome::Response(r), "job-outbox-relay") => r["failed"] == 0,
        (Outcome::Response(r), HELLO) => r["hello"] == "world",
        _ => false,
    };
    anyhow::ensure!(ok, "{name} answered {outcome:?}");
    Ok(())
}

/// What a function gets deployed (its variables from the rendered template, with the stack's
/// values, and the runtime's); lambda-hello reads nothing.
fn deployed_env(stack: &Stack, name: &str) -> anyhow::Result<Vec<(String, String)>> {
    if name == HELLO {
        return Ok(stack.local.services.runtime_env());
    }
    stack.function_env(gpet_local::stack::rendered("us-east-1")?, name)
}

/// Function `name`'s binary started as Lambda starts it, behind the Runtime API emulator.
pub async fn spawn(stack: &Stack, name: &str) -> anyhow::Result<LambdaProcess> {
    let env = deployed_env(stack, name)?;
    LambdaProcess::spawn(&binary(name)?, env.iter().map(|(k, v)| (k.as_str(), v.as_str()))).await
}
