//! Operators' settings: one JSON document per subject in the `settings` table, with defaults for
//! a subject never saved. Each subject validates itself; a bad value names its field.

use deadpool_postgres::GenericClient;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::db::QueryContext;
use crate::error::{Error, Result};
use crate::operators::{self, ConsolePrincipal, Role};

/// A subject of the settings: its key in the table, its rules and who may change what.
pub trait Subject: Serialize + DeserializeOwned + Default {
    const KEY: &'static str;
    /// Who may change its fields other than [`Self::MONEY_FIELDS`].
    const EDITORS: &'static [Role] = operators::CONTENT_EDITORS;
    /// The fields settlement, withdrawals or payouts read: what money depends on, changed by
    /// finance and admins only ([`may_change`]).
    const MONEY_FIELDS: &'static [&'static str] = &[];
    fn validate(&self) -> Result<()>;
}

/// SMS verification codes (*defaults* of SPEC.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsSettings {
    /// Codes sent to one phone in a minute, an hour, a day (each at least the one before).
    #[schema(minimum = 1, maximum = 10)]
    pub per_minute: u32,
    #[schema(minimum = 1, maximum = 60)]
    pub per_hour: u32,
    #[schema(minimum = 1, maximum = 100)]
    pub per_day: u32,
    /// How long a code is valid.
    #[schema(minimum = 60, maximum = 1800)]
    pub code_ttl_secs: u32,
    /// Wrong tries that void a code.
    #[schema(minimum = 1, maximum = 10)]
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
    #[schema(minimum = 0, maximum = 86400)]
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

/// Groups: stars, incomes, the minimum size, clean-up and what robots say (*defaults* of SPEC.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupSettings {
    /// Yesterday's sessions needed for 2★, 3★, 4★ and 5★ (fewer than the first: 1★), strictly
    /// increasing from at least 1.
    #[schema(schema_with = star_thresholds_schema)]
    pub star_thresholds: [u32; 4],
    /// A group's daily income at 1★ … 5★, in fen, each 0 to 100000.
    #[schema(schema_with = star_income_fen_schema)]
    pub star_income_fen: [u32; 5],
    /// A group smaller than this is refused.
    #[schema(minimum = 1, maximum = 500)]
    pub min_members: u32,
    /// Days in a row without a session after which a group is cancelled (注销).
    #[schema(minimum = 1, maximum = 30)]
    pub cancel_after_days: u32,
    /// Days after which cancelled and left groups are deleted.
    #[schema(minimum = 1, maximum = 365)]
    pub purge_after_days: u32,
    /// The answer to a private message that is not a pairing code (客服话术): 1 to 500
    /// characters once trimmed.
    #[schema(pattern = r"^\s*\S(?:[\s\S]{0,498}\S)?\s*$")]
    pub customer_service_reply: String,
}

/// `len` integers from `min` (to `max`) (utoipa puts no limit on a fixed array's items or length), with the field's description (which
/// `schema_with` does not take from the doc comment).
fn integers(len: usize, min: u32, max: Option<u32>, description: &str) -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let item = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(min))
        .maximum(max);
    ArrayBuilder::new().items(item).min_items(Some(len)).max_items(Some(len)).description(Some(description)).build()
}

fn star_thresholds_schema() -> utoipa::openapi::schema::Array {
    integers(
        4,
        1,
        None,
        "Yesterday's sessions needed for 2★, 3★, 4★ and 5★ (fewer than the first: 1★), strictly increasing from at least 1.",
    )
}

fn star_income_fen_schema() -> utoipa::openapi::schema::Array {
    integers(5, 0, Some(100_000), "A group's daily income at 1★ … 5★, in fen, each 0 to 100000.")
}

impl Default for GroupSettings {
    fn default() -> Self {
        Self {
            star_thresholds: [1, 50, 200, 500],
            star_income_fen: [0, 10, 30, 60, 100],
            min_members: 20,
            cancel_after_days: 3,
            purge_after_days: 30,
            customer_service_reply: "客服繁忙，请稍后再试。帮助：https://gpet.example.cn/help".to_owned(),
        }
    }
}

impl GroupSettings {
    /// The stars a day with `sessions` sessions earns, for the figures shown before a rating: the
    /// rating and settlement ask PostgreSQL's `group_stars` (migrations/0010_star_rule.sql), and
    /// a test (`star_rule` of the integration tests) holds the two equal.
    pub fn stars(&self, sessions: i64) -> i16 {
        1 + self.star_thresholds.iter().filter(|t| sessions >= i64::from(**t)).count() as i16
    }

    /// The star above `stars` (1–4) and the sessions a day it needs; none at 5★ or unrated.
    pub fn next_star(&self, stars: i16) -> Option<(i16, u32)> {
        let threshold = *self.star_thresholds.get(usize::try_from(stars).ok()?.checked_sub(1)?)?;
        Some((stars + 1, threshold))
    }

    /// The daily income at `stars` (0 before the first rating).
    pub fn income_fen(&self, stars: i16) -> i64 {
        match stars {
            1..=5 => i64::from(self.star_income_fen[stars as usize - 1]),
            _ => 0,
        }
    }
}

impl Subject for GroupSettings {
    const KEY: &'static str = "groups";
    /// Settlement pays by them (`settlement::Rules`), and the account shows today's income by them.
    const MONEY_FIELDS: &'static [&'static str] = &["star_thresholds", "star_income_fen"];

    fn validate(&self) -> Result<()> {
        let t = self.star_thresholds;
        if t[0] < 1 || !t.windows(2).all(|w| w[0] < w[1]) {
            return Err(Error::bad_request("groups.star_thresholds 须为从 1 起严格递增的 4 个整数"));
        }
        for (i, fen) in self.star_income_fen.iter().enumerate() {
            within(&format!("groups.star_income_fen[{i}]"), *fen, 0, 100_000)?;
        }
        within("groups.min_members", self.min_members, 1, 500)?;
        within("groups.cancel_after_days", self.cancel_after_days, 1, 30)?;
        within("groups.purge_after_days", self.purge_after_days, 1, 365)?;
        let n = self.customer_service_reply.trim().chars().count();
        if n == 0 || n > 500 {
            return Err(Error::bad_request("groups.customer_service_reply 须为 1 到 500 个字"));
        }
        Ok(())
    }
}

/// Robots: the send governor every send goes through, how health is judged and alerted, and how
/// owners are covered while their group's robot is out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RobotSettings {
    /// The shortest gap between two sends of one robot, in ms (each gap is drawn at random
    /// between this and `send_gap_max_ms`: never a fixed interval).
    #[schema(minimum = 100, maximum = 600000)]
    pub send_gap_min_ms: u32,
    /// The longest gap, above `send_gap_min_ms`.
    #[schema(minimum = 100, maximum = 600000)]
    pub send_gap_max_ms: u32,
    /// Sends of one robot in a minute, at most.
    #[schema(minimum = 1, maximum = 600)]
    pub per_minute: u32,
    /// Sends of one robot in a business day, at most.
    #[schema(minimum = 1, maximum = 100000)]
    pub per_day: u32,
    /// Mass messages and ads one group receives in a business day, at most (keyword and
    /// customer-service replies are not counted).
    #[schema(minimum = 1, maximum = 100)]
    pub group_daily_cap: u32,
    /// The first pause after the platform's risk-control refusal; each refusal in a row doubles it.
    #[schema(minimum = 1, maximum = 86400)]
    pub cooldown_base_secs: u32,
    /// The longest pause, at least `cooldown_base_secs`.
    #[schema(minimum = 1, maximum = 86400)]
    pub cooldown_max_secs: u32,
    /// A robot without a heartbeat for this long (real time) is `silent`.
    #[schema(minimum = 5, maximum = 3600)]
    pub silent_after_secs: u32,
    /// The alert goes out when the healthy robots' free places fall below this share of all
    /// enabled robots' free places, in percent (0: never).
    #[schema(minimum = 0, maximum = 100)]
    pub healthy_capacity_alert_pct: u32,
    /// A day whose robot was out longer than this (minutes) is paid at least at the stars the
    /// group held before the outage (保障收益).
    #[schema(minimum = 0, maximum = 1440)]
    pub protect_after_mins: u32,
    /// For at most this many days of one outage (0: no protection).
    #[schema(minimum = 0, maximum = 30)]
    pub protect_days: u32,
}

impl Default for RobotSettings {
    fn default() -> Self {
        Self {
            send_gap_min_ms: 3_000,
            send_gap_max_ms: 8_000,
            per_minute: 10,
            per_day: 3_000,
            group_daily_cap: 5,
            cooldown_base_secs: 60,
            cooldown_max_secs: 3_600,
            silent_after_secs: 180,
            healthy_capacity_alert_pct: 50,
            protect_after_mins: 120,
            protect_days: 3,
        }
    }
}

impl Subject for RobotSettings {
    const KEY: &'static str = "robots";
    /// Protection is paid by settlement.
    const MONEY_FIELDS: &'static [&'static str] = &["protect_after_mins", "protect_days"];

    fn validate(&self) -> Result<()> {
        within("robots.send_gap_min_ms", self.send_gap_min_ms, 100, 600_000)?;
        // A range, never a fixed interval.
        within("robots.send_gap_max_ms", self.send_gap_max_ms, self.send_gap_min_ms + 1, 600_000)?;
        within("robots.per_minute", self.per_minute, 1, 600)?;
        within("robots.per_day", self.per_day, self.per_minute, 100_000)?;
        within("robots.group_daily_cap", self.group_daily_cap, 1, 100)?;
        within("robots.cooldown_base_secs", self.cooldown_base_secs, 1, 86_400)?;
        within("robots.cooldown_max_secs", self.cooldown_max_secs, self.cooldown_base_secs, 86_400)?;
        within("robots.silent_after_secs", self.silent_after_secs, 5, 3_600)?;
        within("robots.healthy_capacity_alert_pct", self.healthy_capacity_alert_pct, 0, 100)?;
        within("robots.protect_after_mins", self.protect_after_mins, 0, 1_440)?;
        within("robots.protect_days", self.protect_days, 0, 30)
    }
}

/// Money: the four commission rates (basis points of the apprentice's income of that kind) and
/// the withdrawal limits (*defaults* of SPEC.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneySettings {
    /// FATHER_SETTLE_RATE: the master's share of an apprentice's group income.
    #[schema(minimum = 0, maximum = 5000)]
    pub master_rate_bp: u32,
    /// FATHER_AD_SETTLE_RATE: the master's share of an apprentice's ad income.
    #[schema(minimum = 0, maximum = 5000)]
    pub master_ad_rate_bp: u32,
    /// GRAND_FATHER_SETTLE_RATE.
    #[schema(minimum = 0, maximum = 5000)]
    pub grand_master_rate_bp: u32,
    /// GRAND_FATHER_AD_SETTLE_RATE.
    #[schema(minimum = 0, maximum = 5000)]
    pub grand_master_ad_rate_bp: u32,
    #[schema(minimum = 10, maximum = 200000)]
    pub withdraw_min_fen: u32,
    /// At least `withdraw_min_fen`.
    #[schema(minimum = 10, maximum = 200000)]
    pub withdraw_max_fen: u32,
    /// Payouts failing in a row before the alert.
    #[schema(minimum = 1, maximum = 100)]
    pub payout_fail_alert_after: u32,
    /// Whether WeChat Pay's NOT_ENOUGH mails an alert.
    pub merchant_low_balance_alert: bool,
}

impl Default for MoneySettings {
    fn default() -> Self {
        Self {
            master_rate_bp: 1000,
            master_ad_rate_bp: 1000,
            grand_master_rate_bp: 500,
            grand_master_ad_rate_bp: 500,
            withdraw_min_fen: 100,
            withdraw_max_fen: 50_000,
            payout_fail_alert_after: 3,
            merchant_low_balance_alert: true,
        }
    }
}

impl Subject for MoneySettings {
    const KEY: &'static str = "money";
    /// The rates settlement pays by, the limits withdrawals check, the alerts payouts raise.
    const EDITORS: &'static [Role] = operators::FINANCE;
    const MONEY_FIELDS: &'static [&'static str] = &[
        "master_rate_bp",
        "master_ad_rate_bp",
        "grand_master_rate_bp",
        "grand_master_ad_rate_bp",
        "withdraw_min_fen",
        "withdraw_max_fen",
        "payout_fail_alert_after",
        "merchant_low_balance_alert",
    ];

    fn validate(&self) -> Result<()> {
        within("money.master_rate_bp", self.master_rate_bp, 0, 5000)?;
        within("money.master_ad_rate_bp", self.master_ad_rate_bp, 0, 5000)?;
        within("money.grand_master_rate_bp", self.grand_master_rate_bp, 0, 5000)?;
        within("money.grand_master_ad_rate_bp", self.grand_master_ad_rate_bp, 0, 5000)?;
        // WeChat Pay's transfer bills: at least 0.10 yuan; above 2,000 yuan the payee's name is mandatory.
        within("money.withdraw_min_fen", self.withdraw_min_fen, 10, 200_000)?;
        within("money.withdraw_max_fen", self.withdraw_max_fen, self.withdraw_min_fen, 200_000)?;
        within("money.payout_fail_alert_after", self.payout_fail_alert_after, 1, 100)
    }
}

/// One release of the day: at `at` (HH:MM, business time) `share_pct` % more of each robot's
/// free places may be distributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub at: String,
    pub share_pct: u32,
}

/// The distribution strategy (`DISTRIBUTE_CONFIG`, `DISTRIBUTE_AMOUNT`, `DISPLAY_RATE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DistributionSettings {
    pub releases: Vec<Release>,
    /// Robots offered per request.
    pub amount: u32,
    /// Displays allowed per released place.
    pub display_rate: u32,
}

impl Default for DistributionSettings {
    fn default() -> Self {
        let release = |at: &str, share_pct| Release { at: at.to_owned(), share_pct };
        Self {
            releases: vec![release("08:00", 50), release("12:00", 30), release("19:00", 20)],
            amount: 1,
            display_rate: 3,
        }
    }
}

fn minute_of_day(field: &str, at: &str) -> Result<u32> {
    chrono::NaiveTime::parse_from_str(at, "%H:%M")
        .ok()
        .filter(|_| at.len() == 5)
        .map(|t| chrono::Timelike::hour(&t) * 60 + chrono::Timelike::minute(&t))
        .ok_or_else(|| Error::bad_request(format!("{field} 须为 HH:MM，收到 {at}")))
}

impl DistributionSettings {
    /// The share of free places released by `minute` (minutes since business midnight).
    pub fn released_pct(&self, minute: u32) -> u32 {
        let released: u32 = self
            .releases
            .iter()
            .filter(|r| minute_of_day("", &r.at).is_ok_and(|m| m <= minute))
            .map(|r| r.share_pct)
            .sum();
        released.min(100)
    }
}

impl Subject for DistributionSettings {
    const KEY: &'static str = "distribution";

    fn validate(&self) -> Result<()> {
        if self.releases.len() > 24 {
            return Err(Error::bad_request("distribution.releases 最多 24 个时间点"));
        }
        let mut last = None;
        for (i, r) in self.releases.iter().enumerate() {
            let m = minute_of_day(&format!("distribution.releases[{i}].at"), &r.at)?;
            if last.is_some_and(|l| m <= l) {
                return Err(Error::bad_request(format!("distribution.releases[{i}].at 须晚于前一个时间点")));
            }
            last = Some(m);
            within(&format!("distribution.releases[{i}].share_pct"), r.share_pct, 1, 100)?;
        }
        let total: u32 = self.releases.iter().map(|r| r.share_pct).sum();
        if total > 100 {
            return Err(Error::bad_request(format!("distribution.releases 的比例合计不能超过 100，现为 {total}")));
        }
        within("distribution.amount", self.amount, 1, 5)?;
        within("distribution.display_rate", self.display_rate, 1, 20)
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
        Some(row) => serde_json::from_value(row.get("value"))
            .map_err(|e| Error::Unexpected(anyhow::Error::new(e).context(format!("settings {} unreadable", S::KEY)))),
    }
}

/// The one rule of who changes settings: a field of [`Subject::MONEY_FIELDS`] needs finance or
/// admin, any other field the subject's [`Subject::EDITORS`]. Only the fields whose value changes
/// count, so a form sent whole with its money fields untouched is an operator's to save.
pub fn may_change<S: Subject>(by: &ConsolePrincipal, changed: &[&str]) -> Result<()> {
    let (money, other): (Vec<&str>, Vec<&str>) = changed.iter().partition(|f| S::MONEY_FIELDS.contains(f));
    let name = |fields: &[&str]| fields.iter().map(|f| format!("{}.{f}", S::KEY)).collect::<Vec<_>>().join("、");
    if !money.is_empty() && by.require(operators::FINANCE).is_err() {
        return Err(Error::forbidden(format!("只有财务或管理员可以修改 {}", name(&money))));
    }
    if !other.is_empty() && by.require(S::EDITORS).is_err() {
        return Err(Error::forbidden(format!("当前角色无权修改 {}", name(&other))));
    }
    Ok(())
}

/// Validates and saves a subject in the caller's transaction, if the operator may change what
/// changes ([`may_change`]), with the audit log entry of the fields changed, before and after.
/// Saving what is already there changes nothing and logs nothing.
pub async fn save<S: Subject>(client: &impl GenericClient, by: &ConsolePrincipal, value: &S) -> Result<()> {
    value.validate()?;
    // One change of a subject at a time, so that `before` is what this one replaces: a stale
    // form cannot quietly put back a money field that finance changed meanwhile.
    client
        .execute("SELECT pg_advisory_xact_lock(hashtextextended('gpet.settings.' || $1, 0))", &[&S::KEY])
        .await
        .db("failed to lock settings")?;
    let before = serde_json::to_value(load::<S>(client).await?).expect("settings serialize");
    let after = serde_json::to_value(value).expect("settings serialize");
    // Every subject is a struct: an object of fields.
    let changed = operators::changed_keys(&before, &after);
    if changed.is_empty() {
        return Ok(());
    }
    may_change::<S>(by, &changed)?;
    client
        .execute(
            "INSERT INTO settings (key, value, updated_by) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()",
            &[&S::KEY, &after, &by.operator.id],
        )
        .await
        .db("failed to save settings")?;
    operators::audit(
        client,
        by.operator.id,
        "settings.update",
        Some(S::KEY),
        operators::changed_fields(&before, &after),
    )
    .await
}

/// The settings page of the console: every subject of this version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllSettings {
    pub sms: SmsSettings,
    pub short_links: ShortLinkSettings,
    pub groups: GroupSettings,
    pub money: MoneySettings,
    pub robots: RobotSettings,
}

pub async fn load_all(client: &impl GenericClient) -> Result<AllSettings> {
    Ok(AllSettings {
        sms: load(client).await?,
        short_links: load(client).await?,
        groups: load(client).await?,
        money: load(client).await?,
        robots: load(client).await?,
    })
}

/// A change of the settings page: the subjects present are saved whole, the others kept.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    pub sms: Option<SmsSettings>,
    pub short_links: Option<ShortLinkSettings>,
    pub groups: Option<GroupSettings>,
    /// Finance and admins only, as are the groups' star thresholds and incomes.
    pub money: Option<MoneySettings>,
    /// The send governor, health and protection (its protection fields: finance and admins).
    pub robots: Option<RobotSettings>,
}

async fn save_some<S: Subject>(client: &impl GenericClient, by: &ConsolePrincipal, value: &Option<S>) -> Result<()> {
    match value {
        Some(value) => save(client, by, value).await,
        None => Ok(()),
    }
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id))]
pub async fn save_all(
    client: &mut deadpool_postgres::Client,
    by: &ConsolePrincipal,
    change: &SettingsChange,
) -> Result<AllSettings> {
    let tx = client.transaction().await.db("failed to begin")?;
    save_some(&tx, by, &change.sms).await?;
    save_some(&tx, by, &change.short_links).await?;
    save_some(&tx, by, &change.groups).await?;
    save_some(&tx, by, &change.money).await?;
    save_some(&tx, by, &change.robots).await?;
    let saved = load_all(&tx).await?;
    tx.commit().await.db("failed to commit settings")?;
    Ok(saved)
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
        GroupSettings::default().validate().unwrap();
        RobotSettings::default().validate().unwrap();
        let bad = RobotSettings { send_gap_max_ms: 2_000, ..RobotSettings::default() };
        assert!(bad.validate().unwrap_err().client_message().contains("robots.send_gap_max_ms"));
        DistributionSettings::default().validate().unwrap();
    }

    #[test]
    fn stars_follow_the_thresholds() {
        let g = GroupSettings::default();
        let stars: Vec<i16> = [0, 1, 49, 50, 199, 200, 499, 500, 100_000].iter().map(|s| g.stars(*s)).collect();
        assert_eq!(stars, [1, 2, 2, 3, 3, 4, 4, 5, 5]);
        assert_eq!((g.income_fen(0), g.income_fen(1), g.income_fen(2), g.income_fen(5)), (0, 0, 10, 100));
        let next: Vec<_> = (0..=5).map(|s| g.next_star(s)).collect();
        assert_eq!(next, [None, Some((2, 1)), Some((3, 50)), Some((4, 200)), Some((5, 500)), None]);
        // The sessions the next star needs give that star.
        for stars in 1..=4 {
            let (next, sessions) = g.next_star(stars).unwrap();
            assert_eq!((g.stars(i64::from(sessions)), g.stars(i64::from(sessions) - 1)), (next, stars));
        }
    }

    #[test]
    fn releases_add_up_through_the_day() {
        let d = DistributionSettings::default();
        let at = |h: u32, m: u32| d.released_pct(h * 60 + m);
        assert_eq!([at(7, 59), at(8, 0), at(11, 59), at(12, 0), at(19, 0), at(23, 59)], [0, 50, 50, 80, 100, 100]);
    }

    #[test]
    fn a_bad_strategy_names_its_field() {
        let mut d = DistributionSettings::default();
        d.releases[1].at = "07:00".into();
        assert!(d.validate().unwrap_err().client_message().contains("releases[1].at"));
        let mut d = DistributionSettings::default();
        d.releases[0].share_pct = 60;
        assert!(d.validate().unwrap_err().client_message().contains("合计"));
        let mut d = DistributionSettings::default();
        d.releases[2].at = "7pm".into();
        assert!(d.validate().unwrap_err().client_message().contains("releases[2].at"));
        let g = GroupSettings { star_thresholds: [1, 50, 50, 500], ..GroupSettings::default() };
        assert!(g.validate().unwrap_err().client_message().contains("star_thresholds"));
    }

    fn principal(role: Role) -> ConsolePrincipal {
        let operator = operators::Operator { id: 1, username: "x".into(), role };
        ConsolePrincipal { operator, session_id: uuid::Uuid::nil(), must_change_password: false }
    }

    #[test]
    fn money_fields_are_for_finance_and_admins_the_rest_for_their_editors() {
        let stars = ["star_income_fen"];
        let reply = ["customer_service_reply"];
        let both = ["star_thresholds", "min_members"];
        for (role, stars_ok, reply_ok) in
            [(Role::Admin, true, true), (Role::Operator, false, true), (Role::Finance, true, false)]
        {
            let by = principal(role);
            assert_eq!(may_change::<GroupSettings>(&by, &stars).is_ok(), stars_ok, "{role:?}");
            assert_eq!(may_change::<GroupSettings>(&by, &reply).is_ok(), reply_ok, "{role:?}");
            assert_eq!(may_change::<GroupSettings>(&by, &both).is_ok(), role == Role::Admin, "{role:?}");
            assert_eq!(may_change::<MoneySettings>(&by, &["withdraw_max_fen"]).is_ok(), stars_ok, "{role:?}");
            assert!(may_change::<SmsSettings>(&by, &[]).is_ok(), "nothing changed: {role:?}");
        }
        let refusal = may_change::<GroupSettings>(&principal(Role::Operator), &both).unwrap_err();
        assert_eq!(refusal.http_status(), 403);
        assert!(refusal.client_message().contains("groups.star_thresholds"), "{}", refusal.client_message());
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
