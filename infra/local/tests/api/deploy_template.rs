//! template.yaml as CloudFormation would deploy it (rendered offline by the SAM transform), held
//! against what each function's code reads: its environment is exactly its parts' variables and
//! holds no secret, fits Lambda's 4 KB with realistic values, and its role reads exactly its
//! secrets and queues. In both partitions.

use std::collections::{BTreeMap, BTreeSet};

use gpet::config::{Needs, Secret};
use gpet::queue::Queue;
use gpet_local::registry;
use gpet_local::rendered::{RenderedFunction, Values};
use gpet_local::template::{Template, Trigger};
use serde_json::Value;

use crate::helpers::{rendered, template};

const REGIONS: [&str; 2] = ["us-east-1", "cn-northwest-1"];
/// Lambda refuses a function whose environment is larger.
const LAMBDA_ENV_LIMIT: usize = 4096;

/// Every function of the template with its code's needs and its rendered resources.
fn functions(region: &str) -> Vec<(String, Needs, Vec<Trigger>, RenderedFunction)> {
    let template: Template = template();
    let rendered = rendered(region);
    template
        .functions
        .iter()
        .map(|f| {
            let entry = registry::find(&f.binary).unwrap_or_else(|| panic!("{} has no handler", f.binary));
            let function = rendered.function(&f.logical_id).unwrap_or_else(|e| panic!("{}: {e:#}", f.logical_id));
            (f.binary.clone(), entry.needs, f.triggers.clone(), function)
        })
        .collect()
}

/// Realistic values of a production stack in `region`: ids, ARNs and endpoints of the lengths AWS
/// gives them, the parameters as an operator would fill them.
struct Realistic {
    partition: &'static str,
    region: String,
    ca_bundle: Option<String>,
}

impl Realistic {
    fn new(region: &str, ca_bundle: Option<String>) -> Self {
        let partition = if region.starts_with("cn-") { "aws-cn" } else { "aws" };
        Realistic { partition, region: region.to_owned(), ca_bundle }
    }

    fn suffix(&self) -> &'static str {
        if self.partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" }
    }

    fn secret_arn(&self, name: &str) -> String {
        format!(
            "arn:{}:secretsmanager:{}:123456789012:secret:gpet-production/{name}-AbC12d",
            self.partition, self.region
        )
    }
}

impl Values for Realistic {
    fn reference(&self, name: &str) -> Option<String> {
        let rendered = rendered(&self.region);
        if let Some(parameter) = rendered.parameters().get(name) {
            let value = match name {
                "DomainName" => "gpet.example.com.cn".to_owned(),
                "WechatAppId" => "wx8f3a2b1c4d5e6f70".to_owned(),
                "WechatPayMchId" => "1900000109".to_owned(),
                "RobotBaseUrl" => "https://robot-platform.example.com.cn/open/v1/".to_owned(),
                "LaunchBaseUrl" => "https://launch.example.com.cn/api/".to_owned(),
                "SmsBaseUrl" => "https://dysmsapi.aliyuncs.com/".to_owned(),
                "SmtpHost" => "smtpdm-ap-southeast-1.aliyun.com".to_owned(),
                "AlertMailFrom" => "gpet-alerts@notice.gpet.example.com.cn".to_owned(),
                "AlertMailTo" => "oncall@example.com.cn,finance-ops@example.com.cn".to_owned(),
                "StoresCaPem" => self.ca_bundle.clone().unwrap_or_default(),
                "RedisKeyPrefix" => "gpet-prod:".to_owned(),
                n if n.ends_with("SecretArn") => self.secret_arn(&n.trim_end_matches("SecretArn").to_lowercase()),
                _ => match &parameter["Default"] {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => "x".repeat(40),
                },
            };
            return Some(value);
        }
        match name {
            "AWS::Region" => return Some(self.region.clone()),
            "AWS::Partition" => return Some(self.partition.to_owned()),
            "AWS::AccountId" => return Some("123456789012".to_owned()),
            "AWS::StackName" => return Some("gpet-production".to_owned()),
            "AWS::URLSuffix" => return Some(self.suffix().to_owned()),
            _ => {}
        }
        Some(match rendered.resource_type(name)? {
            "AWS::SQS::Queue" => {
                format!("https://sqs.{}.{}/123456789012/gpet-robot-events-dlq", self.region, self.suffix())
            }
            "AWS::SecretsManager::Secret" => self.secret_arn(&name.to_lowercase()),
            _ => format!("gpet-production-{}-1a2b3c4d5e6f", name.to_lowercase()),
        })
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Option<String> {
        let suffix = self.suffix();
        Some(match attribute {
            "Endpoint" => format!("gpet-production-proxy.proxy-c1a2b3c4d5e6.{}.rds.{suffix}", self.region),
            "Endpoint.Address" => format!("gpet-production-cache-1a2b3c.serverless.{}.cache.{suffix}", self.region),
            "Endpoint.Port" => "6379".to_owned(),
            "Arn" => format!("arn:{}:service:{}:123456789012:{resource}", self.partition, self.region),
            _ => format!("gpet-production-{}-{}", resource.to_lowercase(), attribute.to_lowercase()),
        })
    }
}

/// A CA bundle of the size an operator might give (one RSA-2048 root certificate, base64 of
/// ~1 KB of DER), to show the environment still fits with it.
fn a_ca_bundle() -> String {
    let body: String = (0..1_000 * 4 / 3).map(|i| if i % 64 == 63 { '\n' } else { 'M' }).collect();
    format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n")
}

/// The variables a function's environment would hold, resolved with `values`.
fn environment(region: &str, function: &RenderedFunction, values: &dyn Values) -> BTreeMap<String, String> {
    let rendered = rendered(region);
    let mut env = BTreeMap::new();
    for (name, value) in &function.variables {
        let resolved =
            rendered.resolve(value, values).unwrap_or_else(|e| panic!("{}: {name}: {e:#}", function.logical_id));
        if let Some(v) = resolved {
            env.insert(name.clone(), v);
        }
    }
    env
}

#[test]
fn every_function_gets_exactly_the_variables_its_parts_read() {
    for region in REGIONS {
        let mut problems = Vec::new();
        for (binary, needs, _, function) in functions(region) {
            let required: BTreeSet<&str> = needs.variables().into_iter().collect();
            let optional: BTreeSet<&str> = needs.optional_variables().into_iter().chain(["RUST_LOG"]).collect();
            // With every optional parameter given, and with none.
            let all = environment(region, &function, &Realistic::new(region, Some(a_ca_bundle())));
            let bare = environment(region, &function, &Realistic::new(region, None));
            for name in &required {
                if !bare.contains_key(*name) {
                    problems.push(format!("{region} {binary}: misses {name}"));
                }
            }
            for name in all.keys() {
                if !required.contains(name.as_str()) && !optional.contains(name.as_str()) {
                    problems.push(format!("{region} {binary}: gets {name}, which it does not read"));
                }
            }
        }
        assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    }
}

#[test]
fn no_environment_holds_a_secret() {
    for region in REGIONS {
        let rendered = rendered(region);
        let no_echo: BTreeSet<&String> =
            rendered.parameters().iter().filter(|(_, p)| p["NoEcho"] == true).map(|(n, _)| n).collect();
        assert!(no_echo.is_empty(), "{region}: secrets come from Secrets Manager, not parameters: {no_echo:?}");
        for (binary, _, _, function) in functions(region) {
            for (name, value) in &function.variables {
                let text = value.to_string();
                // A dynamic reference would put the secret's value into the environment.
                assert!(
                    !text.contains("{{resolve:"),
                    "{region} {binary}: {name} resolves a secret into the environment"
                );
                for reference in gpet_local::rendered::references(value) {
                    if rendered.resource_type(&reference) == Some("AWS::SecretsManager::Secret")
                        || reference.ends_with("SecretArn")
                    {
                        assert!(
                            Secret::ALL.iter().any(|s| s.arn_variable() == name) || name == "GPET_PREFLIGHT_SECRETS",
                            "{region} {binary}: {name} carries secret {reference} in a variable that is not an ARN"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn every_environment_fits_lambdas_4_kb_with_realistic_values() {
    for ca in [None, Some(a_ca_bundle())] {
        let mut largest = (0, String::new());
        for region in REGIONS {
            for (binary, _, _, function) in functions(region) {
                let env = environment(region, &function, &Realistic::new(region, ca.clone()));
                // Lambda counts the variables as the JSON it stores.
                let size = serde_json::to_string(&env).unwrap().len();
                assert!(
                    size <= LAMBDA_ENV_LIMIT,
                    "{region} {binary}: {size} bytes of environment (limit 4096): {env:#?}"
                );
                if size > largest.0 {
                    largest = (size, format!("{region} {binary}"));
                }
            }
        }
        let with = if ca.is_some() { "with" } else { "without" };
        eprintln!("largest environment {with} a CA bundle: {} bytes, {}", largest.0, largest.1);
    }
}

/// The queue each logical id of the template is.
fn queue_of(template: &Template, logical_id: &str) -> Option<Queue> {
    template.queues.iter().find(|q| q.logical_id == logical_id).and_then(|q| Queue::from_name(&q.name))
}

/// The secret a reference of the template stands for, by the variable of the environment that
/// carries the same reference.
fn secret_of(function: &RenderedFunction, reference: &str) -> Option<Secret> {
    for secret in Secret::ALL {
        if let Some(value) = function.variables.get(secret.arn_variable())
            && gpet_local::rendered::references(value).contains(reference)
        {
            return Some(secret);
        }
    }
    None
}

#[test]
fn every_role_reads_exactly_its_secrets_and_queues() {
    let template = template();
    for region in REGIONS {
        let rendered = rendered(region);
        let mut problems = Vec::new();
        for (binary, needs, triggers, function) in functions(region) {
            // What the code reads.
            let mut secrets_needed: BTreeSet<String> = BTreeSet::new();
            for secret in needs.secrets() {
                let value = function.variables.get(secret.arn_variable()).cloned().unwrap_or(Value::Null);
                secrets_needed.extend(gpet_local::rendered::references(&value));
            }
            if needs.deploy {
                let value = function.variables.get("GPET_PREFLIGHT_SECRETS").cloned().unwrap_or(Value::Null);
                secrets_needed.extend(gpet_local::rendered::references(&value));
            }
            let sends: BTreeSet<Queue> = needs.sends.iter().collect();
            let mut receives: BTreeSet<Queue> = needs.receives.iter().collect();
            for trigger in &triggers {
                if let Trigger::Sqs { queue, .. } = trigger {
                    receives.extend(queue_of(&template, queue));
                }
            }
            // What the role allows.
            let (mut secrets_granted, mut sends_granted, mut receives_granted) =
                (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
            for statement in &function.statements {
                let secret_actions = statement.actions.iter().any(|a| a.starts_with("secretsmanager:"));
                let send = statement.actions.iter().any(|a| a.starts_with("sqs:SendMessage"));
                let receive = statement.actions.iter().any(|a| a == "sqs:ReceiveMessage" || a == "sqs:DeleteMessage");
                if (secret_actions || send || receive) && statement.resources.to_string().contains('*') {
                    problems.push(format!("{region} {binary}: a wildcard resource in {:?}", statement.actions));
                }
                for reference in &statement.references {
                    if secret_actions {
                        secrets_granted.insert(reference.clone());
                    }
                    if let Some(queue) = queue_of(&template, reference) {
                        if send {
                            sends_granted.insert(queue);
                        }
                        if receive {
                            receives_granted.insert(queue);
                        }
                    }
                }
                let other = statement.actions.iter().find(|a| {
                    !(a.starts_with("secretsmanager:GetSecretValue") || a.starts_with("sqs:") || a.starts_with("logs:"))
                });
                if let Some(action) = other {
                    problems.push(format!("{region} {binary}: its role allows {action}, which the code does not use"));
                }
            }
            if secrets_needed != secrets_granted {
                let named = |set: &BTreeSet<String>| -> Vec<String> {
                    set.iter().map(|r| secret_of(&function, r).map_or(r.clone(), |s| s.name().to_owned())).collect()
                };
                problems.push(format!(
                    "{region} {binary}: reads secrets {:?}, may read {:?}",
                    named(&secrets_needed),
                    named(&secrets_granted)
                ));
            }
            if sends != sends_granted {
                problems.push(format!("{region} {binary}: sends to {sends:?}, may send to {sends_granted:?}"));
            }
            if receives != receives_granted {
                problems.push(format!(
                    "{region} {binary}: receives from {receives:?}, may receive from {receives_granted:?}"
                ));
            }
            for managed in &function.managed_policies {
                let arn = rendered.resolve(managed, &Realistic::new(region, None)).unwrap().unwrap_or_default();
                let allowed =
                    ["service-role/AWSLambdaBasicExecutionRole", "service-role/AWSLambdaVPCAccessExecutionRole"];
                if !allowed.iter().any(|a| arn.ends_with(a)) {
                    problems.push(format!("{region} {binary}: managed policy {arn} reaches beyond its own resources"));
                }
            }
        }
        assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    }
}

#[test]
fn consumers_are_bounded_and_payouts_never_fan_out() {
    for region in REGIONS {
        let rendered = rendered(region);
        let mappings: Vec<&Value> =
            rendered.resources().values().filter(|r| r["Type"] == "AWS::Lambda::EventSourceMapping").collect();
        assert_eq!(mappings.len(), 3, "{region}: one queue mapping per consumer");
        for mapping in mappings {
            let maximum = mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"].as_u64();
            assert!(maximum.is_some_and(|m| (2..=1000).contains(&m)), "{region}: unbounded consumer {mapping}");
        }
        let payouts = rendered.function("ConsumePayoutsFunction").unwrap();
        assert!(
            payouts.reserved_concurrency.is_some_and(|n| n <= 5),
            "{region}: the payouts consumer has reserved concurrency (it must not fan out)"
        );
    }
}

/// What an on-call operator hears about, and what the edge does with errors, in both partitions.
#[test]
fn alarms_retention_and_the_edge_are_there_in_both_partitions() {
    for region in REGIONS {
        let rendered = rendered(region);
        let resources = rendered.resources();
        let of_type = |t: &'static str| resources.iter().filter(move |(_, r)| r["Type"] == t);

        // Every function logs into the one log group, which has a retention.
        let groups: Vec<&String> = of_type("AWS::Logs::LogGroup").map(|(id, _)| id).collect();
        assert_eq!(groups.len(), 1, "{region}: one log group for the functions");
        let group = &resources[groups[0].as_str()];
        assert_eq!(group["Properties"]["RetentionInDays"], serde_json::json!({"Ref": "LogRetentionDays"}));
        for (id, function) in of_type("AWS::Lambda::Function") {
            let logging = &function["Properties"]["LoggingConfig"];
            assert_eq!(logging["LogGroup"], serde_json::json!({"Ref": groups[0]}), "{region} {id}");
            assert_eq!(logging["LogFormat"], "JSON", "{region} {id}");
        }

        // Alarms on each dead-letter queue, on the alerts the code logs, on the API's 5xx rate and
        // the oldest payout, all to the topic.
        let alarms: Vec<&Value> = of_type("AWS::CloudWatch::Alarm").map(|(_, a)| a).collect();
        let watches = |needle: &str| alarms.iter().any(|a| a.to_string().contains(needle));
        for queue in template().queues.iter().filter(|q| q.name.ends_with("-dlq")) {
            assert!(watches(&format!("\"{}\"", queue.logical_id)), "{region}: no alarm on {}", queue.name);
        }
        for alert in ["settlement_failed", "ledger_audit_failed"] {
            let filter = of_type("AWS::Logs::MetricFilter")
                .find(|(_, f)| f["Properties"]["FilterPattern"].as_str().is_some_and(|p| p.contains(alert)))
                .unwrap_or_else(|| panic!("{region}: no metric filter for {alert}"));
            let metric = filter.1["Properties"]["MetricTransformations"][0]["MetricName"].as_str().unwrap();
            assert!(watches(&format!("\"{metric}\"")), "{region}: no alarm on {metric}");
        }
        for metric in ["5xx", "ApproximateAgeOfOldestMessage", "Throttles", "Errors"] {
            assert!(watches(metric), "{region}: no alarm on {metric}");
        }
        for alarm in &alarms {
            assert!(alarm["Properties"]["AlarmActions"].to_string().contains("AlarmTopic"), "{region}: {alarm}");
        }
        assert_eq!(of_type("AWS::CloudWatch::Dashboard").count(), 1, "{region}: the operators' dashboard");

        // The API's own answers reach the client: no error page, no error cached, on any path.
        let distribution = of_type("AWS::CloudFront::Distribution").next().expect("a distribution").1;
        let config = &distribution["Properties"]["DistributionConfig"];
        for response in config["CustomErrorResponses"].as_array().expect("error responses are configured") {
            assert!(response.get("ResponsePagePath").is_none(), "{region}: {response}");
            assert_eq!(response["ErrorCachingMinTTL"], 0, "{region}: {response}");
        }
        // Only CloudFront reaches the API.
        let api = of_type("AWS::ApiGatewayV2::Api").next().expect("the HTTP API").1;
        // (SAM writes it into the API's OpenAPI body.)
        let disabled = api["Properties"]["DisableExecuteApiEndpoint"] == true
            || api["Properties"]["Body"]["servers"][0]["x-amazon-apigateway-endpoint-configuration"]["disableExecuteApiEndpoint"]
                == true;
        assert!(disabled, "{region}: the execute-api endpoint is on");
    }
}

/// The deploy migrates before anything runs new code: every function but the migrator depends on
/// the migration, and every schedule, queue mapping and API integration names its function, so
/// CloudFormation creates (and updates) them after it.
#[test]
fn schedules_queues_and_functions_start_only_after_the_migration() {
    for region in REGIONS {
        let rendered = rendered(region);
        let resources = rendered.resources();
        let migration: Vec<&String> =
            resources.iter().filter(|(_, r)| r["Type"] == "Custom::DatabaseMigration").map(|(id, _)| id).collect();
        assert_eq!(migration.len(), 1, "{region}: one migration resource");
        let migration = migration[0];
        let migrator = resources[migration.as_str()]["Properties"]["ServiceToken"]["Fn::GetAtt"][0].as_str().unwrap();
        let depends = |id: &str| -> bool {
            match &resources[id]["DependsOn"] {
                Value::String(s) => s == migration,
                Value::Array(items) => items.iter().any(|i| i == migration.as_str()),
                _ => false,
            }
        };
        for (id, resource) in resources {
            match resource["Type"].as_str().unwrap_or_default() {
                "AWS::Lambda::Function" if id != migrator => {
                    assert!(depends(id), "{region}: {id} may start before the migration")
                }
                "AWS::Scheduler::Schedule" | "AWS::Lambda::EventSourceMapping" => {
                    let functions: Vec<String> = gpet_local::rendered::references(resource)
                        .into_iter()
                        .filter(|r| rendered.resource_type(r) == Some("AWS::Lambda::Function"))
                        .collect();
                    assert!(
                        !functions.is_empty() && functions.iter().all(|f| depends(f)),
                        "{region}: {id} does not wait for the migration (it names {functions:?})"
                    );
                }
                _ => {}
            }
        }
    }
}
