//! Console operators: username + Argon2id password, roles, their own sessions and token
//! audience, and the audit log of what they change.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::GenericClient;
use redis::Script;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::{Audience, IssuedToken, passwords};
use crate::context::Ctx;
use crate::db::{QueryContext, constraint, violated_constraint};
use crate::error::{Error, Result, Unexpected};
use crate::paging::{Page, PageRequest, like_escape};

pub const COOKIE: &str = "gpet_console";
/// The console has no refresh route: an operator's token lasts a working shift and is bound to
/// a session that logout ends.
const TOKEN_TTL: Duration = Duration::hours(8);

/// The console login's limits. Every try is counted in Redis, atomically and before the
/// password is checked (one Lua script checks the limits and counts, so a burst of concurrent
/// tries gets at most the limit checked), in three counters over a 15-minute window:
/// - per operator name and client IP: 10 tries, then that name from that IP waits;
/// - per client IP, whatever the names: 30 tries, then that IP waits (password spraying);
/// - everyone: 100 tries, then every name from an IP it has not yet logged in from waits
///   (a botnet spread over many IPs).
///
/// So no one is paused for tries made elsewhere: an attacker's IP exhausts its own pair and IP
/// counters, and neither the per-IP limit nor the global ceiling applies to an operator from an
/// IP where they logged in within 30 days (a `TRUSTED` mark set by a successful login, which
/// needs the password): only their own name-and-IP counter does. What an
/// attacker can still do: pause a name from an IP they share with the operator (one NAT), and
/// during a global flood keep an operator out from a new IP until the window passes.
/// A success clears its pair's counter and gives its try back to the others, so only failures
/// add up. The client IP is API Gateway's `sourceIp`.
mod login_limits {
    pub const PER_NAME_AND_IP: i64 = 10;
    pub const PER_IP: i64 = 30;
    pub const GLOBAL: i64 = 100;
    pub const WINDOW_SECS: i64 = 15 * 60;
    pub const TRUSTED_SECS: i64 = 30 * 24 * 3600;

    /// KEYS: the (name, IP) counter, the IP counter, the global counter, the (name, IP) trusted
    /// mark; ARGV: the three limits and the window. Answers {0, 0} when the try is counted, or
    /// {which limit (1, 2, 3), its seconds left} when it is refused (and not counted).
    pub const SCRIPT: &str = r#"
local limits = {tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])}
local checked = 3
if redis.call('EXISTS', KEYS[4]) == 1 then checked = 1 end
for i = 1, checked do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= limits[i] then
    return {i, redis.call('TTL', KEYS[i])}
  end
end
for i = 1, 3 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[4]) end
end
return {0, 0}
"#;

    /// A success: its try is given back to the IP and global counters (only failures add up
    /// there), the pair's counter cleared, the pair trusted for ARGV[1] seconds.
    pub const SUCCEEDED: &str = r#"
for i = 2, 3 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[4], '1', 'EX', ARGV[1])
return 0
"#;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Operator,
    Finance,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Finance => "finance",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "admin" => Ok(Role::Admin),
            "operator" => Ok(Role::Operator),
            "finance" => Ok(Role::Finance),
            other => Err(Error::bad_request(format!("未知角色：{other}"))),
        }
    }
}

/// Who may change content (users, words, notices, links, settings): not finance.
pub const CONTENT_EDITORS: &[Role] = &[Role::Admin, Role::Operator];
/// Who handles money: withdrawals, settlement, reconciliation, the money settings.
pub const FINANCE: &[Role] = &[Role::Admin, Role::Finance];
/// Who manages operators.
pub const ADMINS: &[Role] = &[Role::Admin];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Operator {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

/// The authenticated operator of a console request.
#[derive(Debug, Clone)]
pub struct ConsolePrincipal {
    pub operator: Operator,
    pub session_id: Uuid,
    /// Their password was made for them (the first admin's from the deploy, or reset by an
    /// admin): nothing but choosing a new one is allowed until they do.
    pub must_change_password: bool,
}

/// The operator and whether they must choose a new password first (`GET /api/console/me`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Me {
    #[serde(flatten)]
    pub operator: Operator,
    pub must_change_password: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Not blank; trimmed and lower-cased, more than 64 bytes (UTF-8) is refused as a wrong
    /// username (1401).
    #[schema(pattern = r"\S")]
    pub username: String,
    /// Not empty; more than 1024 bytes (UTF-8) is refused as a wrong password (1401).
    #[schema(min_length = 1)]
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsoleLogin {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub operator: Operator,
    /// The console must lead them to choose a new password before anything else.
    pub must_change_password: bool,
}

fn operator_from_row(row: &tokio_postgres::Row) -> Result<Operator> {
    Ok(Operator { id: row.get("id"), username: row.get("username"), role: Role::parse(row.get("role"))? })
}

/// Creates an operator (demo seed, admin's console later). A taken username is 1403.
pub async fn create(client: &impl GenericClient, username: &str, password: &str, role: Role) -> Result<Operator> {
    check_password(password)?;
    let hash = hash_password(password).await?;
    let row = client
        .query_one(
            "INSERT INTO operators (username, password_hash, role) VALUES ($1, $2, $3) RETURNING id, username, role",
            &[&username, &hash, &role.as_str()],
        )
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some(constraint::OPERATORS_USERNAME_UNIQUE) => Error::bad_request(format!("用户名 {username} 已存在")),
            Some(constraint::OPERATORS_USERNAME_FORMAT) => Error::bad_request("用户名须为 2–32 位小写字母、数字或 _.-"),
            _ => Error::Unexpected(anyhow::Error::new(e).context("failed to create an operator")),
        })?;
    operator_from_row(&row)
}

/// Argon2 takes tens of milliseconds of CPU: every hash and check of a password runs off the
/// async threads.
async fn off_async_threads<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.unexpected("password hashing panicked")
}

async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    off_async_threads(move || passwords::hash(&password)).await?
}

fn check_password(password: &str) -> Result<()> {
    match password.chars().count() {
        8..=128 => Ok(()),
        _ => Err(Error::bad_request("密码长度须为 8–128 位")),
    }
}

/// The Redis keys of a login try's limits (one hash slot: the script names them together).
struct LimitKeys {
    pair: String,
    ip: String,
    global: String,
    trusted: String,
}

impl LimitKeys {
    fn of(ctx: &Ctx, username: &str, client_ip: Option<IpAddr>) -> Result<Self> {
        let cache = ctx.cache()?;
        let ip = client_ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        // Names are the client's text: digested, so a key holds no odd character.
        let pair = hex::encode(&Sha256::digest(format!("{username}\n{ip}").as_bytes())[..16]);
        let key = |name: String| cache.key(format!("GPET:CONSOLE_LOGIN:{{console_login}}:{name}"));
        Ok(Self {
            pair: key(format!("FAILS:{pair}")),
            ip: key(format!("IP:{ip}")),
            global: key("ALL".to_owned()),
            trusted: key(format!("TRUSTED:{pair}")),
        })
    }
}

/// Counts a try against the limits, or refuses it (1403, HTTP 429) without counting it.
async fn count_try(ctx: &Ctx, keys: &LimitKeys) -> Result<()> {
    let mut redis = ctx.cache()?.conn();
    let (limit, secs_left): (i64, i64) = Script::new(login_limits::SCRIPT)
        .key(&keys.pair)
        .key(&keys.ip)
        .key(&keys.global)
        .key(&keys.trusted)
        .arg(login_limits::PER_NAME_AND_IP)
        .arg(login_limits::PER_IP)
        .arg(login_limits::GLOBAL)
        .arg(login_limits::WINDOW_SECS)
        .invoke_async(&mut redis)
        .await
        .unexpected("failed to count a login try")?;
    let minutes = (secs_left.max(1) + 59) / 60;
    let msg = match limit {
        0 => return Ok(()),
        1 => format!("登录失败次数过多，请 {minutes} 分钟后再试"),
        2 => format!("此网络登录失败次数过多，请 {minutes} 分钟后再试"),
        _ => format!("登录尝试过多，请 {minutes} 分钟后再试，或在最近登录过的网络登录"),
    };
    tracing::info!(limit, "console login paused");
    Err(Error::bad_request(msg).with_status(429))
}

/// Logs an operator in; `client_ip` is where the request came from (see [`login_limits`]).
#[tracing::instrument(skip_all)]
pub async fn login(ctx: &Ctx, credentials: Credentials, client_ip: Option<IpAddr>) -> Result<ConsoleLogin> {
    let username = credentials.username.trim().to_lowercase();
    if username.is_empty() || credentials.password.is_empty() {
        return Err(Error::bad_request("请输入用户名和密码"));
    }
    if credentials.password.len() > 1024 || username.len() > 64 {
        return Err(Error::unauthenticated("用户名或密码错误"));
    }
    let keys = LimitKeys::of(ctx, &username, client_ip)?;
    count_try(ctx, &keys).await?;

    let mut client = ctx.db()?.client().await?;
    let row = client
        .query_opt(
            "SELECT id, username, role, password_hash, disabled, must_change_password FROM operators WHERE username = $1",
            &[&username],
        )
        .await
        .db("failed to load an operator")?;
    let stored: Option<String> = row.as_ref().map(|r| r.get("password_hash"));
    let password = credentials.password;
    let ok = off_async_threads(move || passwords::verify(&password, stored.as_deref())).await?;
    let row = match row {
        Some(row) if ok => row,
        _ => {
            tracing::info!("console login refused");
            return Err(Error::unauthenticated("用户名或密码错误"));
        }
    };
    if row.get::<_, bool>("disabled") {
        return Err(Error::unauthenticated("该账号已停用，请联系管理员"));
    }
    let operator = operator_from_row(&row)?;
    let must_change_password: bool = row.get("must_change_password");
    let session_id = Uuid::new_v4();
    let tx = client.transaction().await.db("failed to begin")?;
    tx.execute(
        "INSERT INTO operator_sessions (id, operator_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))",
        &[&session_id, &operator.id, &(TOKEN_TTL.num_seconds() as f64)],
    )
    .await
    .db("failed to open an operator session")?;
    tx.execute("UPDATE operators SET last_login_at = now() WHERE id = $1", &[&operator.id])
        .await
        .db("failed to stamp a login")?;
    audit(&tx, operator.id, "login", None, serde_json::json!({})).await?;
    tx.commit().await.db("failed to commit a login")?;
    let _: () = Script::new(login_limits::SUCCEEDED)
        .key(&keys.pair)
        .key(&keys.ip)
        .key(&keys.global)
        .key(&keys.trusted)
        .arg(login_limits::TRUSTED_SECS)
        .invoke_async(&mut ctx.cache()?.conn())
        .await
        .unexpected("failed to clear login failures")?;
    let IssuedToken { token, expires_at } =
        ctx.auth()?.tokens.issue(Audience::Console, operator.id, session_id, TOKEN_TTL)?;
    tracing::info!(operator_id = operator.id, "console login");
    Ok(ConsoleLogin { token, expires_at, operator, must_change_password })
}

/// The `Set-Cookie` carrying a console login's token, for as long as the token lives.
pub fn session_cookie(ctx: &Ctx, login: &ConsoleLogin) -> Result<String> {
    Ok(ctx.auth()?.cookies.seal(COOKIE, &login.token, TOKEN_TTL, "/"))
}

pub fn clear_cookie(ctx: &Ctx) -> Result<String> {
    Ok(ctx.auth()?.cookies.clear(COOKIE, "/"))
}

/// A valid token of a live session of an enabled operator who has chosen their password.
pub async fn authenticate(ctx: &Ctx, token: Option<&str>) -> Result<ConsolePrincipal> {
    let principal = authenticate_before_password_change(ctx, token).await?;
    if principal.must_change_password {
        return Err(Error::forbidden("请先修改初始密码"));
    }
    Ok(principal)
}

/// A valid token of a live session of an enabled operator, who may still have to choose their
/// password (what `me` and the password change itself accept).
#[tracing::instrument(skip_all)]
pub async fn authenticate_before_password_change(ctx: &Ctx, token: Option<&str>) -> Result<ConsolePrincipal> {
    let token = token.ok_or_else(|| Error::unauthenticated("请先登录"))?;
    let claims = ctx.auth()?.tokens.verify(Audience::Console, token)?;
    let row = ctx
        .db()?
        .client()
        .await?
        .query_opt(
            "SELECT o.id, o.username, o.role, o.must_change_password
             FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
             WHERE s.id = $1 AND o.id = $2 AND s.ended_at IS NULL AND s.expires_at > now() AND NOT o.disabled",
            &[&claims.sid, &claims.subject_id()?],
        )
        .await
        .db("failed to load an operator session")?
        .ok_or_else(|| Error::unauthenticated("登录已失效，请重新登录"))?;
    Ok(ConsolePrincipal {
        operator: operator_from_row(&row)?,
        session_id: claims.sid,
        must_change_password: row.get("must_change_password"),
    })
}

/// `POST /api/console/me/password`: the operator's current password and the one they choose.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// 8 to 128 characters, other than the current one.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// An operator chooses their own password: the current one must match, the new one differ.
/// Their other sessions end; this one goes on, and the console opens to them.
#[tracing::instrument(skip_all, fields(operator_id = by.operator.id))]
pub async fn change_own_password(ctx: &Ctx, by: &ConsolePrincipal, change: PasswordChange) -> Result<Me> {
    check_password(&change.new_password)?;
    if change.new_password == change.current_password {
        return Err(Error::bad_request("新密码不能与当前密码相同"));
    }
    let mut client = ctx.db()?.client().await?;
    let stored: String = client
        .query_one("SELECT password_hash FROM operators WHERE id = $1", &[&by.operator.id])
        .await
        .db("failed to load an operator")?
        .get("password_hash");
    let (current, new) = (change.current_password, change.new_password);
    let hash = off_async_threads(move || {
        if passwords::verify(&current, Some(&stored)) { passwords::hash(&new).map(Some) } else { Ok(None) }
    })
    .await??
    .ok_or_else(|| Error::bad_request("当前密码不正确"))?;
    let tx = client.transaction().await.db("failed to begin")?;
    tx.execute(
        "UPDATE operators SET password_hash = $2, must_change_password = false, updated_at = now() WHERE id = $1",
        &[&by.operator.id, &hash],
    )
    .await
    .db("failed to change a password")?;
    tx.execute(
        "UPDATE operator_sessions SET ended_at = now() WHERE operator_id = $1 AND id <> $2 AND ended_at IS NULL",
        &[&by.operator.id, &by.session_id],
    )
    .await
    .db("failed to end the other sessions")?;
    audit(&tx, by.operator.id, "operator.password", Some(&by.operator.id.to_string()), serde_json::json!({})).await?;
    tx.commit().await.db("failed to commit a password change")?;
    Ok(Me { operator: by.operator.clone(), must_change_password: false })
}

/// The first operator of a new stack: an admin named and passworded by the deploy's secret, who
/// must choose their own password at first login. Only when no operator exists at all; answers
/// whether it was made.
pub async fn ensure_first_admin(client: &mut tokio_postgres::Client, username: &str, password: &str) -> Result<bool> {
    check_password(password)?;
    let hash = hash_password(password).await?;
    let tx = client.transaction().await.db("failed to begin")?;
    // Two deploys racing find one another's admin.
    tx.batch_execute("SELECT pg_advisory_xact_lock(7291003)").await.db("failed to lock")?;
    let made =
        tx.execute(
            "INSERT INTO operators (username, password_hash, role, must_change_password)
             SELECT $1, $2, 'admin', true WHERE NOT EXISTS (SELECT 1 FROM operators)",
            &[&username.trim().to_lowercase(), &hash],
        )
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some(constraint::OPERATORS_USERNAME_FORMAT) => {
                Error::bad_request("首个管理员的用户名须为 2–32 位小写字母、数字或 _.-")
            }
            _ => Error::Unexpected(anyhow::Error::new(e).context("failed to create the first admin")),
        })? == 1;
    if made {
        // The deploy's doing, not an operator's.
        tx.execute(
            "INSERT INTO audit_log (operator_id, action, target) VALUES (NULL, 'operator.first_admin', $1)",
            &[&username],
        )
        .await
        .db("failed to write the audit log")?;
    }
    tx.commit().await.db("failed to commit the first admin")?;
    Ok(made)
}

impl ConsolePrincipal {
    /// Refuses (403) an operator whose role is not among `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<()> {
        if roles.contains(&self.operator.role) {
            Ok(())
        } else {
            Err(Error::forbidden("当前角色无权执行此操作"))
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn logout(ctx: &Ctx, token: Option<&str>) -> Result<()> {
    let Some(token) = token else { return Ok(()) };
    let Ok(claims) = ctx.auth()?.tokens.verify_ignoring_expiry(Audience::Console, token) else { return Ok(()) };
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let ended = tx
        .query_opt(
            "UPDATE operator_sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL RETURNING operator_id",
            &[&claims.sid],
        )
        .await
        .db("failed to end an operator session")?;
    if let Some(row) = ended {
        audit(&tx, row.get("operator_id"), "logout", None, serde_json::json!({})).await?;
    }
    tx.commit().await.db("failed to commit a logout")?;
    Ok(())
}

/// Writes an operator's action to the audit log, inside the transaction of the change.
pub async fn audit(
    client: &impl GenericClient,
    operator_id: i64,
    action: &str,
    target: Option<&str>,
    detail: serde_json::Value,
) -> Result<()> {
    client
        .execute(
            "INSERT INTO audit_log (operator_id, action, target, detail) VALUES ($1, $2, $3, $4)",
            &[&operator_id, &action, &target, &detail],
        )
        .await
        .db("failed to write the audit log")?;
    Ok(())
}

/// The detail of a change for the audit log: `{before, after}` of the fields that changed (both
/// objects; a field absent from `before` is shown as null).
pub fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> serde_json::Value {
    let keys = changed_keys(before, after);
    let only = |whole: &serde_json::Value| -> serde_json::Value {
        keys.iter().map(|k| (k.to_string(), whole.get(k).cloned().unwrap_or_default())).collect()
    };
    serde_json::json!({"before": only(before), "after": only(after)})
}

/// The fields of the object `after` that differ from `before`'s.
pub fn changed_keys<'a>(before: &serde_json::Value, after: &'a serde_json::Value) -> Vec<&'a str> {
    match after {
        serde_json::Value::Object(a) => {
            a.iter().filter(|(k, v)| before.get(k.as_str()) != Some(*v)).map(|(k, _)| k.as_str()).collect()
        }
        _ => vec![],
    }
}

/// An operator as the admin's operators page shows them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OperatorRow {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

const OPERATOR_ROW_COLUMNS: &str = "id, username, role, disabled, created_at, last_login_at";

fn operator_row(row: &tokio_postgres::Row) -> Result<OperatorRow> {
    Ok(OperatorRow {
        id: row.get("id"),
        username: row.get("username"),
        role: Role::parse(row.get("role"))?,
        disabled: row.get("disabled"),
        created_at: row.get("created_at"),
        last_login_at: row.get("last_login_at"),
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OperatorList {
    pub items: Vec<OperatorRow>,
}

pub async fn list(client: &impl GenericClient, by: &ConsolePrincipal) -> Result<OperatorList> {
    by.require(ADMINS)?;
    let rows = client
        .query(&format!("SELECT {OPERATOR_ROW_COLUMNS} FROM operators ORDER BY id"), &[])
        .await
        .db("failed to list operators")?;
    Ok(OperatorList { items: rows.iter().map(operator_row).collect::<Result<_>>()? })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOperator {
    /// 2 to 32 lower-case letters, digits or `_.-` once trimmed and lower-cased (upper-case
    /// letters, and the Kelvin sign U+212A, lower-case into them).
    #[schema(pattern = r"^\s*[A-Za-z0-9_.\u212A-]{2,32}\s*$")]
    pub username: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    pub role: Role,
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id))]
pub async fn add(
    client: &mut deadpool_postgres::Client,
    by: &ConsolePrincipal,
    new: NewOperator,
) -> Result<OperatorRow> {
    by.require(ADMINS)?;
    let username = new.username.trim().to_lowercase();
    let tx = client.transaction().await.db("failed to begin")?;
    let created = create(&tx, &username, &new.password, new.role).await?;
    audit(
        &tx,
        by.operator.id,
        "operator.create",
        Some(&created.id.to_string()),
        serde_json::json!({"username": username, "role": new.role}),
    )
    .await?;
    let row = tx
        .query_one(&format!("SELECT {OPERATOR_ROW_COLUMNS} FROM operators WHERE id = $1"), &[&created.id])
        .await
        .db("failed to load an operator")?;
    tx.commit().await.db("failed to commit an operator")?;
    operator_row(&row)
}

/// What the admin changes of an operator; absent fields stay.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// A new password; the operator's sessions end with it, and (unless it is the admin's own)
    /// they must choose their own at their next login. 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub password: Option<String>,
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, target = id))]
pub async fn change(
    client: &mut deadpool_postgres::Client,
    by: &ConsolePrincipal,
    id: i64,
    change: OperatorChange,
) -> Result<OperatorRow> {
    by.require(ADMINS)?;
    if change.role.is_none() && change.disabled.is_none() && change.password.is_none() {
        return Err(Error::bad_request("没有要修改的内容：role、disabled 或 password"));
    }
    if id == by.operator.id && (change.disabled == Some(true) || change.role.is_some_and(|r| r != Role::Admin)) {
        return Err(Error::bad_request("不能停用自己或取消自己的管理员角色"));
    }
    let hash = match &change.password {
        Some(password) => {
            check_password(password)?;
            Some(hash_password(password).await?)
        }
        None => None,
    };
    let tx = client.transaction().await.db("failed to begin")?;
    let before = tx
        .query_opt("SELECT role, disabled FROM operators WHERE id = $1 FOR UPDATE", &[&id])
        .await
        .db("failed to load an operator")?
        .ok_or_else(|| Error::not_found("操作员不存在"))?;
    let row = tx
        .query_opt(
            &format!(
                "UPDATE operators SET role = COALESCE($2, role), disabled = COALESCE($3, disabled),
                     password_hash = COALESCE($4, password_hash),
                     must_change_password = must_change_password OR ($4 IS NOT NULL AND id <> $5),
                     updated_at = now()
                 WHERE id = $1 RETURNING {OPERATOR_ROW_COLUMNS}"
            ),
            &[&id, &change.role.map(Role::as_str), &change.disabled, &hash, &by.operator.id],
        )
        .await
        .db("failed to change an operator")?
        .ok_or_else(|| Error::not_found("操作员不存在"))?;
    if change.disabled == Some(true) || hash.is_some() {
        tx.execute("UPDATE operator_sessions SET ended_at = now() WHERE operator_id = $1 AND ended_at IS NULL", &[&id])
            .await
            .db("failed to end an operator's sessions")?;
    }
    let row = operator_row(&row)?;
    let was = serde_json::json!({"role": before.get::<_, String>("role"), "disabled": before.get::<_, bool>("disabled"), "password_reset": false});
    let now = serde_json::json!({"role": row.role, "disabled": row.disabled, "password_reset": hash.is_some()});
    audit(&tx, by.operator.id, "operator.update", Some(&id.to_string()), changed_fields(&was, &now)).await?;
    tx.commit().await.db("failed to commit an operator change")?;
    Ok(row)
}

/// One line of the audit log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// The operator's username; none for the system.
    pub operator: Option<String>,
    pub action: String,
    pub target: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// The audit log, newest first; `operator` is a username, `action` a prefix ("operator." finds
/// every change of operators).
pub async fn audit_log(
    client: &impl GenericClient,
    operator: Option<&str>,
    action: Option<&str>,
    page: PageRequest,
) -> Result<Page<AuditEntry>> {
    let action = action.map(|a| format!("{}%", like_escape(a)));
    let filter = "FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id
                  WHERE ($1::text IS NULL OR o.username = $1) AND ($2::text IS NULL OR a.action LIKE $2)";
    let total: i64 = client
        .query_one(&format!("SELECT count(*) AS total {filter}"), &[&operator, &action])
        .await
        .db("failed to count the audit log")?
        .get("total");
    let rows = client
        .query(
            &format!(
                "SELECT a.id, o.username, a.action, a.target, a.detail, a.at {filter}
                 ORDER BY a.at DESC, a.id DESC LIMIT $3 OFFSET $4"
            ),
            &[&operator, &action, &page.page_size, &page.offset()],
        )
        .await
        .db("failed to read the audit log")?;
    let items = rows
        .iter()
        .map(|r| AuditEntry {
            id: r.get("id"),
            operator: r.get("username"),
            action: r.get("action"),
            target: r.get("target"),
            detail: r.get("detail"),
            at: r.get("at"),
        })
        .collect();
    Ok(Page::new(items, total, page))
}
