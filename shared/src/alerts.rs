//! Alerts to the operators on duty, by mail and (when configured) to their WeCom group: once per
//! key (the key names the condition and its period), recorded whether or not they went out. Every
//! occurrence is also a log line whose `alert` field names its kind: CloudWatch counts those
//! (metric filters) and sounds the alarms.

use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::Result;

/// What went wrong, as the log line's `alert` field (template.yaml's metric filters match it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    SettlementFailed,
    LedgerAuditFailed,
    PayoutsFailing,
    MerchantBalanceLow,
    /// A robot left `online` (silent, offline, banned, quarantined).
    RobotDown,
    /// The healthy robots' free places fell below the setting's share.
    RobotCapacityLow,
}

impl Alert {
    pub fn as_str(self) -> &'static str {
        match self {
            Alert::SettlementFailed => "settlement_failed",
            Alert::LedgerAuditFailed => "ledger_audit_failed",
            Alert::PayoutsFailing => "payouts_failing",
            Alert::MerchantBalanceLow => "merchant_balance_low",
            Alert::RobotDown => "robot_down",
            Alert::RobotCapacityLow => "robot_capacity_low",
        }
    }
}

/// Logs the alert, and sends `subject` unless an alert with `key` was raised before (delivered:
/// by at least one channel); answers whether this call raised it.
pub async fn raise(ctx: &Ctx, alert: Alert, key: &str, subject: &str, text: &str) -> Result<bool> {
    tracing::error!(alert = alert.as_str(), key, subject, "alert");
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
    tracing::info!(key, text, "alert mailed");
    let delivered = match ctx.mail() {
        Ok(mail) => {
            let delivery = mail.alert(subject, text).await;
            if let Err(e) = &delivery.mail {
                tracing::error!(key, error = format!("{e:#}"), "the alert mail was not sent");
            }
            if let Some(Err(e)) = &delivery.wecom {
                tracing::error!(key, error = format!("{e:#}"), "the alert did not reach the WeCom group");
            }
            delivery.delivered()
        }
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
