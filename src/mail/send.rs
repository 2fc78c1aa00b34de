//! Sending the queue: every server runs the loop, only the holder of the `mail` lease sends.
//! A pass takes the due messages (moving their next attempt ahead, so nobody else takes them
//! and a server that dies leaves them to be taken again), sends each city's through its own
//! relay — cities side by side, so one city's dead relay does not hold up another's — and
//! records each: sent, to be retried with backoff (the relay down), or refused for good.

use crate::db::mail::{self as mdb, Claimed, MailSetting};
use crate::domain::clock::Clock;
use crate::domain::era::Eras;
use futures_util::StreamExt;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The lease's name in `job_lease`.
const LEASE: &str = "mail";

/// How the sender paces itself.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Between passes (`MAIL_POLL_SECONDS`, default 10).
    pub poll: Duration,
    /// The first retry's wait; doubled each time up to an hour (`MAIL_RETRY_SECONDS`, 60).
    pub retry_base_seconds: f64,
    /// How long a taken message is held before another pass may take it again.
    pub hold_seconds: f64,
    /// How long a relay may take to answer (connection and each command).
    pub timeout: Duration,
    /// Messages not sent after this long are given up.
    pub give_up_after: chrono::Duration,
    /// Between looks for reminders to queue.
    pub reminder_every: Duration,
}

impl SenderConfig {
    pub fn from_env() -> Self {
        let seconds = |name: &str, default: f64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| *v > 0.0 && *v < 86_400.0)
                .unwrap_or(default)
        };
        SenderConfig {
            poll: Duration::from_secs_f64(seconds("MAIL_POLL_SECONDS", 10.0)),
            retry_base_seconds: seconds("MAIL_RETRY_SECONDS", 60.0),
            hold_seconds: 300.0,
            timeout: Duration::from_secs(15),
            give_up_after: chrono::Duration::days(3),
            reminder_every: Duration::from_secs(60),
        }
    }

    /// The lease lasts a few passes, so a live holder keeps it and a dead one's lapses soon.
    fn lease_seconds(&self) -> f64 {
        (self.poll.as_secs_f64() * 3.0).max(self.timeout.as_secs_f64() * 4.0)
    }

    fn retry_after(&self, attempts: i32) -> f64 {
        let doubled = self.retry_base_seconds * 2f64.powi(attempts.clamp(0, 16));
        doubled.min(3600.0)
    }
}

/// The transport for a city's relay.
pub fn transport(
    s: &MailSetting,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let host = s.host.as_str();
    let builder = match s.security.as_str() {
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        _ => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            host,
        )),
    }
    .map_err(|e| e.to_string())?;
    let mut builder = builder.port(s.port as u16).timeout(Some(timeout));
    if let Some(user) = s.username.as_deref().filter(|u| !u.is_empty()) {
        builder = builder.credentials(Credentials::new(
            user.to_owned(),
            s.password.clone().unwrap_or_default(),
        ));
    }
    Ok(builder.build())
}

/// A message from the city's sender address.
pub fn message(s: &MailSetting, to: &str, subject: &str, body: &str) -> Result<Message, String> {
    let from: Mailbox = s
        .sender
        .parse()
        .map_err(|e| format!("送信元アドレス：{e}"))?;
    let to: Mailbox = to.parse().map_err(|e| format!("宛先アドレス：{e}"))?;
    // A name typed by staff never breaks the header onto a line of its own.
    let subject: String = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(None)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|e| e.to_string())
}

/// How an attempt went.
#[derive(Debug)]
pub enum Outcome {
    Sent,
    /// The relay could not be reached or answered "try later": send again later.
    Retry(String),
    /// The relay refused this message for good (an unknown recipient, say).
    Refused(String),
}

/// Sends one message, within twice the timeout whatever the relay does.
pub async fn deliver(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    message: Message,
    timeout: Duration,
) -> Outcome {
    match tokio::time::timeout(timeout * 2, transport.send(message)).await {
        Ok(Ok(_)) => Outcome::Sent,
        Ok(Err(e)) if e.is_permanent() => Outcome::Refused(e.to_string()),
        Ok(Err(e)) => Outcome::Retry(e.to_string()),
        Err(_) => Outcome::Retry("メールサーバーが時間内に応答しませんでした".to_owned()),
    }
}

/// Sends a message now (the settings page's test button); the error as text.
pub async fn send_now(
    s: &MailSetting,
    to: &str,
    subject: &str,
    body: &str,
    timeout: Duration,
) -> Result<(), String> {
    let message = message(s, to, subject, body)?;
    match deliver(&transport(s, timeout)?, message, timeout).await {
        Outcome::Sent => Ok(()),
        Outcome::Retry(e) | Outcome::Refused(e) => Err(e),
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Whether this server held the lease (and so did anything).
    pub holder: bool,
    pub reminders_queued: u64,
    pub sent: usize,
    pub deferred: usize,
    pub refused: usize,
}

/// One pass of the sender as `me`: take or renew the lease; if held, queue today's reminders
/// (when `reminders`) and send what is due.
pub async fn run_once(
    pool: &PgPool,
    eras: &Eras,
    today: chrono::NaiveDate,
    me: &str,
    cfg: &SenderConfig,
    reminders: bool,
) -> sqlx::Result<Pass> {
    let mut pass = Pass::default();
    if !mdb::take_lease(pool, LEASE, me, cfg.lease_seconds()).await? {
        return Ok(pass);
    }
    pass.holder = true;
    if reminders {
        pass.reminders_queued = super::queue_reminders(pool, eras, today).await?;
    }
    let claimed = mdb::claim(pool, 200, cfg.hold_seconds).await?;
    if claimed.is_empty() {
        return Ok(pass);
    }
    let mut cities: BTreeMap<i64, Vec<Claimed>> = BTreeMap::new();
    for m in claimed {
        cities.entry(m.municipality_id).or_default().push(m);
    }
    let ids: Vec<i64> = cities.keys().copied().collect();
    let settings = mdb::settings(pool, &ids).await?;
    let results: Vec<sqlx::Result<Pass>> = futures_util::stream::iter(cities)
        .map(|(mid, messages)| {
            let setting = settings.iter().find(|s| s.municipality_id == mid);
            send_city(pool, setting, messages, cfg)
        })
        .buffer_unordered(8)
        .collect()
        .await;
    for r in results {
        let p = r?;
        pass.sent += p.sent;
        pass.deferred += p.deferred;
        pass.refused += p.refused;
    }
    Ok(pass)
}

/// Sends one city's taken messages through its relay, in order; once the relay fails to
/// take one, the rest wait for the next attempt too (no point knocking on a closed door).
async fn send_city(
    pool: &PgPool,
    setting: Option<&MailSetting>,
    messages: Vec<Claimed>,
    cfg: &SenderConfig,
) -> sqlx::Result<Pass> {
    let mut pass = Pass::default();
    let Some(setting) = setting else {
        // The relay was removed after queueing: nothing can be sent.
        for m in &messages {
            mdb::mark_failed(pool, m.id, "メール送信の設定がありません", None, false).await?;
            pass.refused += 1;
        }
        return Ok(pass);
    };
    let transport = transport(setting, cfg.timeout);
    let mut down: Option<String> = None;
    for m in messages {
        let outcome = match (&transport, &down) {
            (_, Some(e)) => Outcome::Retry(e.clone()),
            (Err(e), _) => Outcome::Refused(e.clone()),
            (Ok(t), None) => match message(setting, &m.recipient, &m.subject, &m.body) {
                Ok(msg) => deliver(t, msg, cfg.timeout).await,
                Err(e) => Outcome::Refused(e),
            },
        };
        match outcome {
            Outcome::Sent => {
                mdb::mark_sent(pool, m.id).await?;
                pass.sent += 1;
            }
            Outcome::Refused(e) => {
                tracing::warn!(message = m.id, error = %e, "mail refused for good");
                mdb::mark_failed(pool, m.id, &e, None, true).await?;
                pass.refused += 1;
            }
            Outcome::Retry(e) => {
                let tried = down.is_none();
                if chrono::Utc::now() - m.created_at > cfg.give_up_after {
                    let e = format!("3日間送信できなかったため、送信をやめました（{e}）");
                    mdb::mark_failed(pool, m.id, &e, None, tried).await?;
                    pass.refused += 1;
                } else {
                    let wait = cfg.retry_after(m.attempts);
                    mdb::mark_failed(pool, m.id, &e, Some(wait), tried).await?;
                    pass.deferred += 1;
                }
                if tried {
                    tracing::warn!(city = m.municipality_id, error = %e, "mail relay unavailable; retrying later");
                }
                down = Some(e);
            }
        }
    }
    Ok(pass)
}

/// This server's sender: its loop and the name it holds the lease under.
pub struct Sender {
    holder: String,
    pool: PgPool,
    task: tokio::task::JoinHandle<()>,
}

impl Sender {
    /// Stops the loop and lets the lease go, so another server sends at once rather than
    /// when the lease lapses (a graceful shutdown).
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        if let Err(e) = mdb::release_lease(&self.pool, LEASE, &self.holder).await {
            tracing::warn!(error = %e, "mail lease not released; it lapses by itself");
        }
    }
}

/// The sender loop of this server: a pass every `cfg.poll`, reminders every
/// `cfg.reminder_every`, today's date from `clock` (Japan's).
pub fn spawn(pool: PgPool, eras: Arc<Eras>, clock: Clock, cfg: SenderConfig) -> Sender {
    let holder = crate::auth::session::random_token();
    let me = holder.clone();
    let loop_pool = pool.clone();
    let task = tokio::spawn(async move {
        let pool = loop_pool;
        let mut every = tokio::time::interval(cfg.poll);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_reminders: Option<tokio::time::Instant> = None;
        loop {
            every.tick().await;
            let reminders = last_reminders.is_none_or(|at| at.elapsed() >= cfg.reminder_every);
            match run_once(&pool, &eras, clock.today(), &me, &cfg, reminders).await {
                Ok(pass) => {
                    if pass.holder && reminders {
                        last_reminders = Some(tokio::time::Instant::now());
                    }
                }
                Err(e) => tracing::warn!(error = %e, "mail pass failed; tried again soon"),
            }
        }
    });
    Sender { holder, pool, task }
}
