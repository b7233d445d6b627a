//! AWS: one SDK configuration per instance, shared by the SQS and Secrets Manager clients.
//! In Lambda the region and credentials come from the runtime's variables; locally
//! `AWS_ENDPOINT_URL` (the SDKs' own variable) points every client at the local AWS-API server,
//! so the same calls run in both places.

use anyhow::Context as _;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::config::{ConfigError, Env, Secret, SecretValue, Secrets};

/// The SDK configuration from `env` (endpoint and region when set there, else the SDK's own
/// resolution from the process: Lambda's variables, or a profile).
pub async fn sdk_config(env: &Env) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(endpoint) = env.optional("AWS_ENDPOINT_URL") {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(region) = env.optional("AWS_REGION") {
        loader = loader.region(Region::new(region.to_owned()));
    }
    loader.load().await
}

/// Fetches every secret at once (each is one GetSecretValue by ARN). A secret that cannot be
/// read, or lacks a field, fails with the secret's name and ARN, never a value.
pub async fn fetch_secrets(config: &SdkConfig, arns: &[(Secret, String)]) -> anyhow::Result<Secrets> {
    let client = aws_sdk_secretsmanager::Client::new(config);
    let fetches = arns.iter().map(|(part, arn)| {
        let client = client.clone();
        async move {
            let answer = client.get_secret_value().secret_id(arn).send().await.map_err(|e| {
                let reason = match e.as_service_error() {
                    Some(service) => format!("cannot be read ({})", service.meta().code().unwrap_or("error")),
                    None => format!("cannot be read ({})", aws_sdk_secretsmanager::error::DisplayErrorContext(&e)),
                };
                anyhow::Error::new(ConfigError::Secret { part: part.name(), arn: arn.clone(), reason })
            })?;
            let text = answer.secret_string().with_context(|| ConfigError::Secret {
                part: part.name(),
                arn: arn.clone(),
                reason: "holds no SecretString".into(),
            })?;
            Ok::<_, anyhow::Error>(SecretValue::parse(*part, arn, text)?)
        }
    });
    let mut secrets = Secrets::default();
    for value in futures::future::try_join_all(fetches).await? {
        secrets.insert(value);
    }
    Ok(secrets)
}
