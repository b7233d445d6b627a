//! Operators' settings: one JSON document per subject in the `settings` table, with defaults for
//! a subject never saved. Each subject validates itself; a bad value names its field.

use deadpool_postgres::GenericClient;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::db::QueryContext;
use crate::error::{Error, Result};
use crate::operators::{self, ConsolePrincipal};

/// A subject of the settings: its key in the table and its rules.
pub trait Subject: Serialize + DeserializeOwned + Default {
    const KEY: &'static str;
    fn validate(&self) -> Result<()>;
}

/// SMS verification codes (*defaults* of SPEC.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsSettings {
    /// Codes sent to one phone in a minute, an hour, a day.
    pub per_minute: u32,
    pub per_hour: u32,
    pub per_day: u32,
    /// How long a code is valid.
    pub code_ttl_secs: u32,
    /// Wrong tries that void a code.
    pub max_attempts: u32,
}

impl Default for SmsSettings {
    fn default() -> Self {
        Self { per_minute: 1, per_hour: 5, per_day: 10, code_ttl_secs: 300, max_attempts: 5 }
    }
}

impl Subject for SmsSettings {
    const KEY: &'static str = "sms";

    fn validate(&self) -> Result<()> {
        within("sms.per_minute", self.per_minute, 1, 10)?;
        within("sms.per_hour", self.per_hour, self.per_minute, 60)?;
        within("sms.per_day", self.per_day, self.per_hour, 100)?;
        within("sms.code_ttl_secs", self.code_ttl_secs, 60, 1800)?;
        within("sms.max_attempts", self.max_attempts, 1, 10)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShortLinkSettings {
    /// The same long URL asked again within this window gets the same code.
    pub dedup_window_secs: u32,
}

impl Default for ShortLinkSettings {
    fn default() -> Self {
        Self { dedup_window_secs: 600 }
    }
}

impl Subject for ShortLinkSettings {
    const KEY: &'static str = "short_links";

    fn validate(&self) -> Result<()> {
        within("short_links.dedup_window_secs", self.dedup_window_secs, 0, 86_400)
    }
}

fn within(field: &str, value: u32, min: u32, max: u32) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::bad_request(format!("{field} 须在 {min} 到 {max} 之间，收到 {value}")))
    }
}

/// One subject's current value, or its defaults.
pub async fn load<S: Subject>(client: &impl GenericClient) -> Result<S> {
    let row = client
        .query_opt("SELECT value FROM settings WHERE key = $1", &[&S::KEY])
        .await
        .db("failed to load settings")?;
    match row {
        None => Ok(S::default()),
        Some(row) => serde_json::from_value(row.get(0))
            .map_err(|e| Error::Unexpected(anyhow::Error::new(e).context(format!("settings {} unreadable", S::KEY)))),
    }
}

/// Validates and saves a subject, with the audit log entry, in the caller's transaction.
pub async fn save<S: Subject>(client: &impl GenericClient, by: &ConsolePrincipal, value: &S) -> Result<()> {
    value.validate()?;
    let json = serde_json::to_value(value).expect("settings serialize");
    client
        .execute(
            "INSERT INTO settings (key, value, updated_by) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()",
            &[&S::KEY, &json, &by.operator.id],
        )
        .await
        .db("failed to save settings")?;
    operators::audit(client, by.operator.id, "settings.update", Some(S::KEY), json).await
}

/// The settings page of the console: every subject of this version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllSettings {
    pub sms: SmsSettings,
    pub short_links: ShortLinkSettings,
}

pub async fn load_all(client: &impl GenericClient) -> Result<AllSettings> {
    Ok(AllSettings { sms: load(client).await?, short_links: load(client).await? })
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id))]
pub async fn save_all(
    client: &mut deadpool_postgres::Client,
    by: &ConsolePrincipal,
    all: &AllSettings,
) -> Result<AllSettings> {
    by.require(operators::CONTENT_EDITORS)?;
    all.sms.validate()?;
    all.short_links.validate()?;
    let tx = client.transaction().await.db("failed to begin")?;
    save(&tx, by, &all.sms).await?;
    save(&tx, by, &all.short_links).await?;
    tx.commit().await.db("failed to commit settings")?;
    Ok(all.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_those_of_the_spec_and_valid() {
        let sms = SmsSettings::default();
        assert_eq!(
            (sms.per_minute, sms.per_hour, sms.per_day, sms.code_ttl_secs, sms.max_attempts),
            (1, 5, 10, 300, 5)
        );
        sms.validate().unwrap();
        ShortLinkSettings::default().validate().unwrap();
    }

    #[test]
    fn a_bad_value_names_its_field() {
        let sms = SmsSettings { per_hour: 0, ..SmsSettings::default() };
        let msg = sms.validate().unwrap_err().client_message();
        assert!(msg.contains("sms.per_hour"), "{msg}");
        let sms = SmsSettings { per_day: 3, ..SmsSettings::default() };
        assert!(sms.validate().unwrap_err().client_message().contains("sms.per_day"));
    }
}
