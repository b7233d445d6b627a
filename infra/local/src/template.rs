//! template.yaml, read as the one list of functions: their routes, schedules and queues.

use std::path::Path;

use anyhow::{Context as _, bail};
use serde_yaml::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    Http { method: String, path: String },
    Schedule { expression: String },
    Sqs { queue: String, batch_size: usize },
}

#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub logical_id: String,
    /// The function's crate and binary.
    pub binary: String,
    pub triggers: Vec<Trigger>,
    /// Its `Timeout` (or the template's global one): locally too, it has this long per invocation.
    pub timeout: std::time::Duration,
}

#[derive(Debug, Clone)]
pub struct QueueDef {
    pub logical_id: String,
    pub name: String,
    /// The logical id of its dead-letter queue and the receives before a message goes there.
    pub dead_letter: Option<(String, u32)>,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub functions: Vec<FunctionDef>,
    pub queues: Vec<QueueDef>,
    /// `Globals.Function.Timeout`: what a function has when it names none.
    pub default_timeout: std::time::Duration,
}

/// Lambda's timeout when neither the function nor the template's globals name one.
const SAM_DEFAULT_TIMEOUT_SECS: u64 = 3;

impl Template {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let doc: Value = serde_yaml::from_str(text)?;
        let resources = doc.get("Resources").and_then(Value::as_mapping).context("no Resources")?;
        let global_timeout = doc
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .and_then(|f| f.get("Timeout"))
            .and_then(Value::as_u64)
            .unwrap_or(SAM_DEFAULT_TIMEOUT_SECS);
        let mut functions = Vec::new();
        let mut queues = Vec::new();
        for (id, resource) in resources {
            let id = id.as_str().context("a resource id is not a string")?.to_owned();
            match resource.get("Type").and_then(Value::as_str) {
                Some("AWS::Serverless::Function") => functions.push(function(&id, resource, global_timeout)?),
                Some("AWS::SQS::Queue") => queues.push(queue(&id, resource)?),
                _ => {}
            }
        }
        Ok(Template { functions, queues, default_timeout: std::time::Duration::from_secs(global_timeout) })
    }

    /// The timeout of the function built as `binary` (the global one for a name it does not know).
    pub fn timeout(&self, binary: &str) -> std::time::Duration {
        self.functions.iter().find(|f| f.binary == binary).map(|f| f.timeout).unwrap_or(self.default_timeout)
    }
}

/// The timeout of `binary` in the project's template.yaml, read once per process: for callers
/// that run a consumer without the template at hand (tests).
pub fn timeout_of(binary: &str) -> std::time::Duration {
    static TEMPLATE: std::sync::OnceLock<Option<Template>> = std::sync::OnceLock::new();
    TEMPLATE
        .get_or_init(|| Template::load(&crate::stack::project_root().join("template.yaml")).ok())
        .as_ref()
        .map(|t| t.timeout(binary))
        .unwrap_or(std::time::Duration::from_secs(SAM_DEFAULT_TIMEOUT_SECS))
}

fn text(v: Option<&Value>, what: &str) -> anyhow::Result<String> {
    v.and_then(plain).map(str::to_owned).with_context(|| format!("{what} missing or not a string"))
}

/// A string, or the string inside a short-form tag such as `!GetAtt X.Arn`.
fn plain(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Tagged(t) => t.value.as_str(),
        _ => None,
    }
}

fn function(id: &str, resource: &Value, global_timeout: u64) -> anyhow::Result<FunctionDef> {
    let binary =
        text(resource.get("Metadata").and_then(|m| m.get("BuildProperties")).and_then(|b| b.get("Binary")), "Binary")
            .with_context(|| format!("function {id}"))?;
    let mut triggers = Vec::new();
    if let Some(events) = resource.get("Properties").and_then(|p| p.get("Events")).and_then(Value::as_mapping) {
        for event in events.values() {
            let props = event.get("Properties");
            let prop = |name: &str| props.and_then(|p| p.get(name));
            triggers.push(match event.get("Type").and_then(Value::as_str) {
                Some("HttpApi") => Trigger::Http {
                    method: text(prop("Method"), "Method")?.to_uppercase(),
                    path: text(prop("Path"), "Path")?,
                },
                Some("ScheduleV2" | "Schedule") => {
                    Trigger::Schedule { expression: text(prop("ScheduleExpression"), "ScheduleExpression")? }
                }
                Some("SQS") => {
                    let arn = text(prop("Queue"), "Queue")?;
                    let queue =
                        arn.strip_suffix(".Arn").with_context(|| format!("{id}: Queue should be !GetAtt X.Arn"))?;
                    let batch_size = prop("BatchSize").and_then(Value::as_u64).unwrap_or(10) as usize;
                    Trigger::Sqs { queue: queue.to_owned(), batch_size }
                }
                other => bail!("function {id}: event type {other:?} is not run locally"),
            });
        }
    }
    let timeout =
        resource.get("Properties").and_then(|p| p.get("Timeout")).and_then(Value::as_u64).unwrap_or(global_timeout);
    Ok(FunctionDef { logical_id: id.to_owned(), binary, triggers, timeout: std::time::Duration::from_secs(timeout) })
}

fn queue(id: &str, resource: &Value) -> anyhow::Result<QueueDef> {
    let props = resource.get("Properties");
    let name = text(props.and_then(|p| p.get("QueueName")), "QueueName").with_context(|| format!("queue {id}"))?;
    let dead_letter = match props.and_then(|p| p.get("RedrivePolicy")) {
        Some(policy) => {
            let arn = text(policy.get("deadLetterTargetArn"), "deadLetterTargetArn")?;
            let dlq = arn.strip_suffix(".Arn").context("deadLetterTargetArn should be !GetAtt X.Arn")?.to_owned();
            let receives = policy.get("maxReceiveCount").and_then(Value::as_u64).context("maxReceiveCount")? as u32;
            Some((dlq, receives))
        }
        None => None,
    };
    Ok(QueueDef { logical_id: id.to_owned(), name, dead_letter })
}
