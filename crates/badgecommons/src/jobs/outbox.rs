//! Sends the email outbox (`email_outbox`) by SMTP when `smtp_url` is set.
//!
//! Messages are written to the outbox in the same transaction as what they announce (see
//! `accounts::email_confirmation`); this job delivers them afterwards, so a slow or absent mail
//! server never fails or slows a request. Without `smtp_url` nothing here runs and messages are
//! only logged.
//!
//! Any number of processes may run this against one database: each message is claimed
//! (`claimed_at`, by a conditional UPDATE that only one of them can win) before it is sent. A
//! failed send gives the claim back with `attempts` counted and `next_attempt_at` later and later;
//! after [`MAX_ATTEMPTS`] the message is given up (`failed_at`) and logged.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::config::{Settings, SmtpUrl};
use crate::store::{now, DAY_MS};
use crate::web::AppState;

/// Messages taken per round: a backlog drains in rounds without one long-held batch.
pub const BATCH: i64 = 20;
/// Sends tried before a message is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// How often the outbox is looked at even when nobody said a message was queued (retries, and
/// messages queued by another process).
const POLL: Duration = Duration::from_secs(5);
/// The delay after the first failure; it doubles with each further one, up to [`MAX_DELAY_MS`].
const FIRST_DELAY_MS: i64 = 60 * 1000;
const MAX_DELAY_MS: i64 = 4 * 3600 * 1000;
/// A claim this old belongs to a process that died while sending: another may take it over.
/// Far longer than one send can take (its timeout is [`SEND_TIMEOUT`]).
const STALE_CLAIM_MS: i64 = 10 * 60 * 1000;
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// A message not delivered within this long is not worth delivering (a confirmation link works
/// for a week): a host that configures SMTP late does not flood old sign-ups.
const MAX_AGE_MS: i64 = 7 * DAY_MS;

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Why outgoing mail cannot be set up from the settings.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error("SMTP URL {url}: {problem}")]
    Url { url: String, problem: String },
}

/// The outbox's runtime side, kept in `AppState`: the mail server (if any) and the bell rung
/// when a message is queued.
pub struct Outbox {
    mailer: Option<Mailer>,
    queued: Notify,
}

struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// The host part of Message-IDs.
    domain: String,
}

impl Outbox {
    /// Builds the SMTP transport when `smtp_url` is set (no connection is made yet).
    pub fn new(settings: &Settings) -> Result<Outbox, MailSetupError> {
        let mailer = match &settings.smtp_url {
            None => None,
            Some(url) => {
                let from: Mailbox =
                    settings
                        .mail_from
                        .parse()
                        .map_err(|e| MailSetupError::Url {
                            url: url.redacted(),
                            problem: format!(
                                "the sender {:?} is not valid: {e}",
                                settings.mail_from
                            ),
                        })?;
                let domain = from.email.domain().to_string();
                Some(Mailer {
                    transport: transport(url, &settings.public_url)?,
                    from,
                    domain,
                })
            }
        };
        Ok(Outbox {
            mailer,
            queued: Notify::new(),
        })
    }

    /// Whether messages are sent (otherwise they are only logged).
    pub fn sends_mail(&self) -> bool {
        self.mailer.is_some()
    }

    /// Says a message was committed to the outbox, so the sender goes at once rather than at
    /// its next round. Call it after the commit: before, the sender would not see the message.
    pub fn wake(&self) {
        if self.sends_mail() {
            self.queued.notify_one();
        }
    }
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("sends_mail", &self.sends_mail())
            .finish()
    }
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        // smtp:// is not a scheme the url crate knows, so an IPv4 address arrives as a name.
        url::Host::Domain(name) => {
            name.eq_ignore_ascii_case("localhost")
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// `smtps://` is TLS from the start (port 465); `smtp://` upgrades with STARTTLS and refuses to
/// go on without it (port 587), except to a loopback host — a local relay — where it is plain
/// (port 25). `?tls=none` or `?tls=starttls` says which explicitly.
fn transport(url: &SmtpUrl, public_url: &str) -> Result<Transport, MailSetupError> {
    let problem = |problem: String| MailSetupError::Url {
        url: url.redacted(),
        problem,
    };
    let parsed = url.url();
    let host = parsed
        .host()
        .ok_or_else(|| problem("it names no mail server".into()))?;
    // What to connect to and check the certificate against: an IPv6 address without brackets.
    let server = match &host {
        url::Host::Domain(name) => name.to_string(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    };
    let asked = parsed
        .query_pairs()
        .find(|(key, _)| key == "tls")
        .map(|(_, value)| value.to_ascii_lowercase());
    let tls_parameters =
        || TlsParameters::new(server.clone()).map_err(|e| problem(format!("TLS setup: {e}")));
    let (tls, default_port) = match (parsed.scheme(), asked.as_deref()) {
        ("smtps", None | Some("wrapper") | Some("implicit")) => (Tls::Wrapper(tls_parameters()?), 465),
        ("smtp", Some("none")) => (Tls::None, 25),
        ("smtp", Some("starttls") | Some("required")) => (Tls::Required(tls_parameters()?), 587),
        ("smtp", None) if is_loopback(&host) => (Tls::None, 25),
        ("smtp", None) => (Tls::Required(tls_parameters()?), 587),
        (scheme, asked) => {
            return Err(problem(format!(
                "{scheme}:// with tls={} is not a way to send: use smtp:// (STARTTLS; tls=none for plain) or smtps://",
                asked.unwrap_or_default()
            )))
        }
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server.clone())
        .port(parsed.port().unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(SEND_TIMEOUT));
    if !parsed.username().is_empty() {
        let decode = |text: &str| {
            percent_encoding_decode(text)
                .ok_or_else(|| problem("the user or password is not valid UTF-8".into()))
        };
        builder = builder.credentials(Credentials::new(
            decode(parsed.username())?,
            decode(parsed.password().unwrap_or_default())?,
        ));
    }
    // EHLO names this site, as receiving servers expect a name rather than "localhost".
    if let Some(name) = url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
    {
        builder = builder.hello_name(ClientId::Domain(name));
    }
    Ok(builder.build())
}

/// A URL's user or password as typed: `%40` for `@` and so on.
fn percent_encoding_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'%' && tail.len() >= 2 {
            let hex = std::str::from_utf8(&tail[..2]).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(first);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// Sends one round of due messages, oldest first; returns how many were sent. Does nothing
/// (and returns 0) without SMTP. Failures to send are recorded on the message, not returned:
/// the error is for the database only.
pub async fn send_pending(state: &AppState) -> Result<usize, sqlx::Error> {
    let Some(mailer) = &state.outbox.mailer else {
        return Ok(0);
    };
    let db = state.db.pool();
    let started = now();
    let rows = sqlx::query(
        "SELECT id, recipient, subject, body, attempts, created_at FROM email_outbox
         WHERE sent_at IS NULL AND failed_at IS NULL
           AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
           AND (claimed_at IS NULL OR claimed_at < $2)
         ORDER BY created_at, id LIMIT $3",
    )
    .bind(started)
    .bind(started - STALE_CLAIM_MS)
    .bind(BATCH)
    .fetch_all(db)
    .await?;
    let mut sent = 0;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let at = now();
        // The claim: of all processes that selected this message, one UPDATE matches. It checks
        // again that the message is due, so one another process tried (and put off) since the
        // SELECT is not retried early with a stale attempt count.
        let claimed = sqlx::query(
            "UPDATE email_outbox SET claimed_at = $1
             WHERE id = $2 AND sent_at IS NULL AND failed_at IS NULL
               AND (claimed_at IS NULL OR claimed_at < $3)
               AND (next_attempt_at IS NULL OR next_attempt_at <= $1)",
        )
        .bind(at)
        .bind(id)
        .bind(at - STALE_CLAIM_MS)
        .execute(db)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            continue;
        }
        let recipient: String = row.try_get("recipient")?;
        let attempts: i64 = row.try_get("attempts")?;
        let created_at: i64 = row.try_get("created_at")?;
        if at - created_at > MAX_AGE_MS {
            give_up(state, id, &recipient, attempts, "not sent within a week").await?;
            continue;
        }
        let message = match build(
            mailer,
            id,
            created_at,
            &recipient,
            row.try_get("subject")?,
            row.try_get("body")?,
        ) {
            Ok(message) => message,
            // A recipient address that cannot be written into a message never will be.
            Err(problem) => {
                give_up(state, id, &recipient, attempts, &problem).await?;
                continue;
            }
        };
        match mailer.transport.send(message).await {
            Ok(_) => {
                sqlx::query(
                    "UPDATE email_outbox SET sent_at = $1, claimed_at = NULL, attempts = attempts + 1,
                     last_error = NULL WHERE id = $2",
                )
                .bind(now())
                .bind(id)
                .execute(db)
                .await?;
                tracing::info!(target: "badgecommons::email", id, to = %recipient, "email sent");
                sent += 1;
            }
            Err(e) => {
                let attempts = attempts + 1;
                let problem = e.to_string();
                if attempts >= MAX_ATTEMPTS {
                    give_up(state, id, &recipient, attempts, &problem).await?;
                    continue;
                }
                let delay = FIRST_DELAY_MS
                    .saturating_mul(1 << (attempts - 1).min(20))
                    .min(MAX_DELAY_MS);
                sqlx::query(
                    "UPDATE email_outbox SET claimed_at = NULL, attempts = $1, next_attempt_at = $2,
                     last_error = $3 WHERE id = $4",
                )
                .bind(attempts)
                .bind(now() + delay)
                .bind(shorten(&problem))
                .bind(id)
                .execute(db)
                .await?;
                tracing::warn!(
                    target: "badgecommons::email",
                    id, to = %recipient, attempts, retry_in_s = delay / 1000, error = %problem,
                    "email not sent, will retry"
                );
            }
        }
    }
    Ok(sent)
}

fn build(
    mailer: &Mailer,
    id: i64,
    created_at: i64,
    recipient: &str,
    subject: String,
    body: String,
) -> Result<Message, String> {
    let to: Mailbox = recipient
        .parse()
        .map_err(|e| format!("the recipient {recipient:?} is not an address: {e}"))?;
    Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(subject)
        // The same on every attempt, so a receiver that got a message twice can tell.
        .message_id(Some(format!(
            "<outbox-{id}-{created_at}@{}>",
            mailer.domain
        )))
        .header(ContentType::TEXT_PLAIN)
        .body(body_of(body))
        .map_err(|e| format!("the message cannot be written: {e}"))
}

/// Plain 7bit when the text allows it (ASCII, lines within SMTP's 998), so a link stays whole
/// and exact for any reader. lettre would pick quoted-printable for any line over 76
/// characters, which breaks a long link in two and turns its `=` into `=3D` for readers that do
/// not decode. Other text gets the encoding lettre finds best.
fn body_of(text: String) -> Body {
    let lines = text.replace("\r\n", "\n");
    let plain = lines.bytes().all(|b| b.is_ascii() && b != 0 && b != b'\r')
        && lines.split('\n').all(|line| line.len() <= 998);
    if plain {
        Body::dangerous_pre_encoded(
            lines.replace('\n', "\r\n").into_bytes(),
            ContentTransferEncoding::SevenBit,
        )
    } else {
        Body::new(text)
    }
}

async fn give_up(
    state: &AppState,
    id: i64,
    recipient: &str,
    attempts: i64,
    problem: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE email_outbox SET failed_at = $1, claimed_at = NULL, attempts = $2, last_error = $3
         WHERE id = $4",
    )
    .bind(now())
    .bind(attempts)
    .bind(shorten(problem))
    .bind(id)
    .execute(state.db.pool())
    .await?;
    tracing::error!(
        target: "badgecommons::email",
        id, to = %recipient, attempts, error = %problem,
        "email given up"
    );
    Ok(())
}

/// Errors are kept for the admin to read, not whole server transcripts.
fn shorten(problem: &str) -> String {
    problem.chars().take(500).collect()
}

/// Starts the sender when SMTP is configured: a round at start, after each [`Outbox::wake`],
/// and every few seconds for retries and other processes' messages. `None` without SMTP.
pub fn spawn(state: AppState) -> Option<JoinHandle<()>> {
    state.outbox.mailer.as_ref()?;
    let outbox: Arc<Outbox> = state.outbox.clone();
    Some(tokio::spawn(async move {
        loop {
            match send_pending(&state).await {
                // A full round: more may be waiting.
                Ok(sent) if sent as i64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the email outbox"),
            }
            tokio::select! {
                _ = outbox.queued.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_only_to_loopback_hosts() {
        for (url, loopback) in [
            ("smtp://127.0.0.1:2525", true),
            ("smtp://localhost", true),
            ("smtp://[::1]:25", true),
            ("smtp://mail.example.org:587", false),
            ("smtp://10.0.0.1", false),
        ] {
            let url = SmtpUrl::parse(url).unwrap();
            assert_eq!(is_loopback(&url.url().host().unwrap()), loopback, "{url:?}");
        }
    }

    #[test]
    fn long_ascii_lines_stay_7bit_and_whole() {
        let link = format!(
            "https://forum.example.org/confirm-email?token={}",
            "x".repeat(60)
        );
        let body = body_of(format!("Open:\n{link}\n"));
        assert_eq!(body.encoding(), ContentTransferEncoding::SevenBit);
        assert_eq!(body.as_ref(), format!("Open:\r\n{link}\r\n").as_bytes());
        let body = body_of("Grüße\n".into());
        assert_ne!(body.encoding(), ContentTransferEncoding::SevenBit);
    }

    #[test]
    fn user_and_password_are_percent_decoded() {
        assert_eq!(
            percent_encoding_decode("me%40example.org").as_deref(),
            Some("me@example.org")
        );
        assert_eq!(percent_encoding_decode("p%zz"), None);
        assert_eq!(percent_encoding_decode("plain").as_deref(), Some("plain"));
    }
}
