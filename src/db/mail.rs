//! E-mail: the city's relay setting, the queue of messages (queued in the transaction of the
//! step that causes them, taken by the one sender holding the lease) and their record.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

/// A city's mail relay. `Debug` leaves the password out (it is never logged).
#[derive(Clone, sqlx::FromRow)]
pub struct MailSetting {
    pub municipality_id: i64,
    pub host: String,
    pub port: i32,
    /// `none`, `starttls` or `tls` (implicit TLS, port 465).
    pub security: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub sender: String,
    pub app_url: String,
    pub remind_days: i32,
}

impl std::fmt::Debug for MailSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSetting")
            .field("municipality_id", &self.municipality_id)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(hidden)"))
            .field("sender", &self.sender)
            .finish()
    }
}

/// The city's relay, if it has one.
pub async fn setting(conn: &mut PgConnection, mid: i64) -> sqlx::Result<Option<MailSetting>> {
    sqlx::query_as!(
        MailSetting,
        r#"SELECT municipality_id, host, port, security, username AS "username?", password AS "password?",
                sender, app_url, remind_days
         FROM mail_setting WHERE municipality_id = $1"#,
        mid
    )
    .fetch_optional(&mut *conn)
    .await
}

/// The relays of several cities (the sender's batch).
pub async fn settings(pool: &PgPool, cities: &[i64]) -> sqlx::Result<Vec<MailSetting>> {
    sqlx::query_as!(
        MailSetting,
        r#"SELECT municipality_id, host, port, security, username AS "username?", password AS "password?",
                sender, app_url, remind_days
         FROM mail_setting WHERE municipality_id = ANY($1)"#,
        cities
    )
    .fetch_all(pool)
    .await
}

/// Saves the city's relay. A `None` password keeps the stored one (the form never shows it).
pub async fn save_setting(
    tx: &mut PgConnection,
    s: &MailSetting,
    keep_password: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO mail_setting (municipality_id, host, port, security, username, password, sender, app_url, remind_days)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (municipality_id) DO UPDATE SET host = EXCLUDED.host, port = EXCLUDED.port,
             security = EXCLUDED.security, username = EXCLUDED.username,
             password = CASE WHEN $10 THEN mail_setting.password ELSE EXCLUDED.password END,
             sender = EXCLUDED.sender, app_url = EXCLUDED.app_url, remind_days = EXCLUDED.remind_days,
             updated_at = now()",
        s.municipality_id,
        s.host,
        s.port,
        s.security,
        s.username,
        s.password,
        s.sender,
        s.app_url,
        s.remind_days,
        keep_password
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Removes the city's relay (the city then sends no e-mail); true when it had one.
pub async fn delete_setting(tx: &mut PgConnection, mid: i64) -> sqlx::Result<bool> {
    let n = sqlx::query!("DELETE FROM mail_setting WHERE municipality_id = $1", mid)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub user_id: Option<i64>,
    pub recipient: String,
    pub reason: &'static str,
    pub subject: String,
    pub body: String,
    /// Makes the message unique (reminders): queued once however often it is asked for.
    pub dedupe_key: Option<String>,
}

/// Queues messages on the caller's transaction; returns how many were new.
pub async fn enqueue(tx: &mut PgConnection, mid: i64, messages: &[Outgoing]) -> sqlx::Result<u64> {
    if messages.is_empty() {
        return Ok(0);
    }
    let users: Vec<Option<i64>> = messages.iter().map(|m| m.user_id).collect();
    let to: Vec<String> = messages.iter().map(|m| m.recipient.clone()).collect();
    let reasons: Vec<String> = messages.iter().map(|m| m.reason.to_owned()).collect();
    let subjects: Vec<String> = messages.iter().map(|m| m.subject.clone()).collect();
    let bodies: Vec<String> = messages.iter().map(|m| m.body.clone()).collect();
    let keys: Vec<Option<String>> = messages.iter().map(|m| m.dedupe_key.clone()).collect();
    let n = sqlx::query!(
        r#"INSERT INTO mail_message (municipality_id, user_id, recipient, reason, subject, body, dedupe_key)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
         ON CONFLICT (dedupe_key) DO NOTHING"#,
        mid,
        &users as &[Option<i64>],
        &to,
        &reasons,
        &subjects,
        &bodies,
        &keys as &[Option<String>]
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(n)
}

/// Takes (or renews) the lease `name` for `holder` for `seconds`; false when another holder's
/// lease is still running.
pub async fn take_lease(
    pool: &PgPool,
    name: &str,
    holder: &str,
    seconds: f64,
) -> sqlx::Result<bool> {
    let got = sqlx::query_scalar!(
        "INSERT INTO job_lease (name, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE job_lease.holder = EXCLUDED.holder OR job_lease.expires_at < now()
         RETURNING holder",
        name,
        holder,
        seconds
    )
    .fetch_optional(pool)
    .await?;
    Ok(got.is_some())
}

/// Lets the lease go (a server shutting down), if `holder` has it.
pub async fn release_lease(pool: &PgPool, name: &str, holder: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM job_lease WHERE name = $1 AND holder = $2",
        name,
        holder
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A message taken for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub municipality_id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

/// Takes up to `limit` messages that are due, oldest first, and moves their next attempt
/// `hold_seconds` ahead: no other sender takes them meanwhile, and a sender that dies leaves
/// them to be taken again when the hold lapses.
pub async fn claim(pool: &PgPool, limit: i64, hold_seconds: f64) -> sqlx::Result<Vec<Claimed>> {
    sqlx::query_as!(
        Claimed,
        "UPDATE mail_message m SET next_attempt_at = now() + make_interval(secs => $2)
         FROM (SELECT id FROM mail_message
               WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
               ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) due
         WHERE m.id = due.id
         RETURNING m.id, m.municipality_id, m.recipient, m.subject, m.body, m.attempts, m.created_at",
        limit,
        hold_seconds
    )
    .fetch_all(pool)
    .await
}

/// Records a message as sent.
pub async fn mark_sent(pool: &PgPool, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE mail_message SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1",
        id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed attempt: tried again after `retry_seconds`, or (with None) never again.
pub async fn mark_failed(
    pool: &PgPool,
    id: i64,
    error: &str,
    retry_seconds: Option<f64>,
    counts_as_attempt: bool,
) -> sqlx::Result<()> {
    let error: String = error.chars().take(500).collect();
    sqlx::query!(
        "UPDATE mail_message SET last_error = $2,
             attempts = attempts + CASE WHEN $4 THEN 1 ELSE 0 END,
             next_attempt_at = now() + make_interval(secs => COALESCE($3::float8, 0)),
             failed_at = CASE WHEN $3::float8 IS NULL THEN now() END
         WHERE id = $1 AND sent_at IS NULL",
        id,
        error,
        retry_seconds,
        counts_as_attempt
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A message as the mail log lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoggedMessage {
    pub id: i64,
    pub recipient: String,
    pub reason: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// The city's latest messages (newest first) before message `before` (for paging).
pub async fn log(
    pool: &PgPool,
    mid: i64,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<LoggedMessage>> {
    sqlx::query_as!(
        LoggedMessage,
        r#"SELECT id, recipient, reason, subject, created_at, sent_at AS "sent_at?", failed_at AS "failed_at?",
                next_attempt_at, attempts, last_error AS "last_error?"
         FROM mail_message WHERE municipality_id = $1 AND ($2::bigint IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3"#,
        mid,
        before,
        limit
    )
    .fetch_all(pool)
    .await
}

/// Records a test message sent (or refused) right away, outside the queue.
pub async fn record_test(
    pool: &PgPool,
    mid: i64,
    recipient: &str,
    subject: &str,
    body: &str,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO mail_message (municipality_id, recipient, reason, subject, body, attempts, sent_at, failed_at, last_error)
         VALUES ($1, $2, 'test', $3, $4, 1, CASE WHEN $5::text IS NULL THEN now() END, CASE WHEN $5::text IS NOT NULL THEN now() END, $5)",
        mid,
        recipient,
        subject,
        body,
        error
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets messages sent or given up more than `days` ago (housekeeping); how many.
pub async fn purge(pool: &PgPool, days: i32) -> sqlx::Result<u64> {
    let n = sqlx::query!(
        "DELETE FROM mail_message WHERE COALESCE(sent_at, failed_at) < now() - make_interval(days => $1)",
        days
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n)
}
