//! Alerts by mail to the operators on duty: once per key (the key names the condition and its
//! period), recorded whether or not the mail went out.

use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::Result;

/// Mails `subject` unless an alert with `key` was raised before; answers whether this call
/// raised it.
pub async fn raise(ctx: &Ctx, key: &str, subject: &str, text: &str) -> Result<bool> {
    let client = ctx.db()?.client().await?;
    let fresh = client
        .execute(
            "INSERT INTO alerts (key, subject, delivered) VALUES ($1, $2, false) ON CONFLICT (key) DO NOTHING",
            &[&key, &subject],
        )
        .await
        .db("failed to record an alert")?
        == 1;
    if !fresh {
        return Ok(false);
    }
    tracing::error!(key, subject, text, "alert");
    let delivered = match ctx.mail() {
        Ok(mail) => match mail.alert(subject, text).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(key, error = format!("{e:#}"), "the alert mail was not sent");
                false
            }
        },
        Err(e) => {
            tracing::error!(key, error = %e, "no mail configured for alerts");
            false
        }
    };
    client
        .execute("UPDATE alerts SET delivered = $2 WHERE key = $1", &[&key, &delivered])
        .await
        .db("failed to record an alert")?;
    Ok(true)
}
