//! The email outbox sent by SMTP: a sign-up's confirmation link reaches a (fake, loopback) mail
//! server and works; a refused message stays queued, is retried later and given up in the end;
//! two senders never send one message twice; and without SMTP nothing is sent and nothing fails.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use badgecommons::config::SmtpUrl;
use badgecommons::jobs::outbox::{self, MAX_ATTEMPTS};
use badgecommons::web::AppState;
use common::{TestApp, PASSWORD};
use reqwest::StatusCode;
use sqlx::Row;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the fake server took it.
#[derive(Clone, Debug)]
struct Received {
    from: String,
    to: Vec<String>,
    data: String,
}

/// A mail server on a loopback port that answers just enough of SMTP for a client to send,
/// and keeps what it was sent. `refuse` makes it answer 550 to every recipient.
#[derive(Clone, Default)]
struct FakeSmtp {
    address: Option<SocketAddr>,
    received: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
}

impl FakeSmtp {
    async fn start() -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let server = FakeSmtp {
            address: Some(listener.local_addr().expect("address")),
            ..FakeSmtp::default()
        };
        let serving = server.clone();
        // Ends with the test's runtime.
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                serving.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serving.clone().session(stream));
            }
        });
        server
    }

    fn url(&self) -> SmtpUrl {
        let address = self.address.expect("started");
        SmtpUrl::parse(&format!("smtp://127.0.0.1:{}", address.port())).expect("SMTP URL")
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    async fn session(self, stream: tokio::net::TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        if write.write_all(b"220 fake.test ESMTP\r\n").await.is_err() {
            return;
        }
        let (mut from, mut to) = (String::new(), Vec::new());
        // A bounded dialogue: a client gets at most this many commands.
        for _ in 0..100 {
            let mut line = String::new();
            match lines.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let command = line.trim_end().to_string();
            let verb = command
                .split([' ', ':'])
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let answer: &str = match verb.as_str() {
                "EHLO" | "HELO" => "250-fake.test\r\n250 8BITMIME\r\n",
                "MAIL" => {
                    from = command["MAIL FROM:".len().min(command.len())..].to_string();
                    to.clear();
                    "250 2.1.0 OK\r\n"
                }
                "RCPT" if self.refuse.load(Ordering::SeqCst) => "550 5.1.1 No such mailbox\r\n",
                "RCPT" => {
                    to.push(command["RCPT TO:".len().min(command.len())..].to_string());
                    "250 2.1.5 OK\r\n"
                }
                "DATA" => {
                    if write.write_all(b"354 Go on\r\n").await.is_err() {
                        return;
                    }
                    let mut data = String::new();
                    loop {
                        let mut line = String::new();
                        match lines.read_line(&mut line).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                        if line == ".\r\n" {
                            break;
                        }
                        // Dot-stuffing undone, as a real server does.
                        data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    }
                    self.received.lock().expect("lock").push(Received {
                        from: from.clone(),
                        to: to.clone(),
                        data,
                    });
                    "250 2.0.0 Queued\r\n"
                }
                "RSET" | "NOOP" => "250 2.0.0 OK\r\n",
                "QUIT" => {
                    let _ = write.write_all(b"221 2.0.0 Bye\r\n").await;
                    return;
                }
                _ => "502 5.5.2 Not implemented\r\n",
            };
            if write.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

/// Waits (up to 15 s) until `check` holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

/// (sent_at, attempts, next_attempt_at, failed_at, last_error, claimed_at) of the messages to
/// `recipient`.
#[derive(Debug)]
struct OutboxRow {
    sent_at: Option<i64>,
    attempts: i64,
    next_attempt_at: Option<i64>,
    failed_at: Option<i64>,
    last_error: Option<String>,
    claimed_at: Option<i64>,
}

async fn outbox_row(app: &TestApp, recipient: &str) -> OutboxRow {
    let row = sqlx::query(
        "SELECT sent_at, attempts, next_attempt_at, failed_at, last_error, claimed_at
         FROM email_outbox WHERE recipient = $1",
    )
    .bind(recipient)
    .fetch_one(app.db.pool())
    .await
    .expect("one outbox row");
    OutboxRow {
        sent_at: row.try_get("sent_at").expect("sent_at"),
        attempts: row.try_get("attempts").expect("attempts"),
        next_attempt_at: row.try_get("next_attempt_at").expect("next_attempt_at"),
        failed_at: row.try_get("failed_at").expect("failed_at"),
        last_error: row.try_get("last_error").expect("last_error"),
        claimed_at: row.try_get("claimed_at").expect("claimed_at"),
    }
}

async fn with_smtp(backend: common::Backend, server: &FakeSmtp) -> TestApp {
    let url = server.url();
    TestApp::start_with(backend, move |s| s.smtp_url = Some(url))
        .await
        .expect("app with SMTP")
}

async fn sign_up(app: &TestApp, username: &str) {
    let response = app
        .browser()
        .submit(
            "/signup",
            &[
                ("username", username),
                ("email", &format!("{username}@example.org")),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// Says the retry delay of `recipient`'s message has passed.
async fn make_due(app: &TestApp, recipient: &str) {
    sqlx::query("UPDATE email_outbox SET next_attempt_at = $1 WHERE recipient = $2")
        .bind(0_i64)
        .bind(recipient)
        .execute(app.db.pool())
        .await
        .expect("make due");
}

both_backends! {
    async fn a_sign_up_is_mailed_a_link_that_confirms_the_address(app) {
        let server = FakeSmtp::start().await;
        let app = with_smtp(app.backend, &server).await;
        sign_up(&app, "mailed").await;

        // Sent at once after the sign-up (the sender is woken), not at its next round.
        eventually("the message arrives", || async { server.received().len() == 1 }).await;
        let message = &server.received()[0];
        assert_eq!(message.to, ["<mailed@example.org>"]);
        assert!(message.from.contains("noreply@example.org"), "{}", message.from);
        assert!(message.data.contains("Subject: Confirm your address for Test Commons"), "{}", message.data);
        assert!(message.data.contains("To: mailed@example.org"), "{}", message.data);
        assert!(message.data.contains("Content-Transfer-Encoding: 7bit"), "{}", message.data);
        let start = message.data.find("/confirm-email?token=").expect("a link in the message");
        let link = message.data[start..].split_whitespace().next().expect("link").to_owned();

        eventually("the row is marked sent", || async {
            outbox_row(&app, "mailed@example.org").await.sent_at.is_some()
        }).await;
        let row = outbox_row(&app, "mailed@example.org").await;
        assert_eq!((row.attempts, row.claimed_at, row.failed_at), (1, None, None), "{row:?}");

        let (status, page) = app.browser().page(&link).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Address confirmed") && page.contains("mailed@example.org"), "{page}");

        // Nothing is sent twice.
        assert_eq!(outbox::send_pending(&app.state).await.expect("send"), 0);
        assert_eq!(server.received().len(), 1);
    }

    async fn a_refused_message_stays_queued_is_retried_and_given_up_in_the_end(app) {
        let server = FakeSmtp::start().await;
        server.refuse.store(true, Ordering::SeqCst);
        let app = with_smtp(app.backend, &server).await;
        sign_up(&app, "refused").await;

        eventually("the refusal is recorded", || async {
            outbox_row(&app, "refused@example.org").await.attempts == 1
        }).await;
        let row = outbox_row(&app, "refused@example.org").await;
        assert_eq!((row.sent_at, row.failed_at, row.claimed_at), (None, None, None), "{row:?}");
        assert!(row.last_error.as_deref().unwrap_or_default().contains("No such mailbox"), "{row:?}");
        let retry_at = row.next_attempt_at.expect("a retry is planned");
        assert!(retry_at > badgecommons::store::now() + 30_000, "backoff: {row:?}");
        assert!(server.received().is_empty());

        // Not due yet: another round leaves it alone.
        assert_eq!(outbox::send_pending(&app.state).await.expect("send"), 0);
        assert_eq!(outbox_row(&app, "refused@example.org").await.attempts, 1);

        // Once the delay has passed and the server takes it, it is sent.
        server.refuse.store(false, Ordering::SeqCst);
        make_due(&app, "refused@example.org").await;
        outbox::send_pending(&app.state).await.expect("send");
        eventually("the retry is delivered", || async { server.received().len() == 1 }).await;
        let row = outbox_row(&app, "refused@example.org").await;
        assert!(row.sent_at.is_some(), "{row:?}");
        assert_eq!((row.attempts, row.last_error), (2, None));

        // A message refused on its last attempt is given up, and never tried again.
        server.refuse.store(true, Ordering::SeqCst);
        sign_up(&app, "hopeless").await;
        eventually("the first refusal", || async {
            outbox_row(&app, "hopeless@example.org").await.attempts == 1
        }).await;
        sqlx::query("UPDATE email_outbox SET attempts = $1 WHERE recipient = $2")
            .bind(MAX_ATTEMPTS - 1)
            .bind("hopeless@example.org")
            .execute(app.db.pool())
            .await
            .expect("age the message");
        make_due(&app, "hopeless@example.org").await;
        outbox::send_pending(&app.state).await.expect("send");
        eventually("the message is given up", || async {
            outbox_row(&app, "hopeless@example.org").await.failed_at.is_some()
        }).await;
        let row = outbox_row(&app, "hopeless@example.org").await;
        assert_eq!((row.sent_at, row.attempts), (None, MAX_ATTEMPTS), "{row:?}");
        server.refuse.store(false, Ordering::SeqCst);
        make_due(&app, "hopeless@example.org").await;
        assert_eq!(outbox::send_pending(&app.state).await.expect("send"), 0);
        assert_eq!(server.received().len(), 1, "only the first message ever arrived");
    }

    async fn two_senders_never_send_one_message_twice(app) {
        let server = FakeSmtp::start().await;
        let app = with_smtp(app.backend, &server).await;
        // A second process on the same database (plus the app's own background sender).
        let other = AppState::new(app.db.clone(), (*app.state.settings).clone()).expect("second state");
        let count = 30;
        for i in 0..count {
            sqlx::query(
                "INSERT INTO email_outbox (recipient, subject, body, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(format!("r{i}@example.org"))
            .bind("Hello")
            .bind(format!("Message {i}\n"))
            .bind(badgecommons::store::now())
            .execute(app.db.pool())
            .await
            .expect("queue");
        }
        let (a, b) = tokio::join!(
            async {
                let mut sent = 0;
                for _ in 0..3 { sent += outbox::send_pending(&app.state).await.expect("send"); }
                sent
            },
            async {
                let mut sent = 0;
                for _ in 0..3 { sent += outbox::send_pending(&other).await.expect("send"); }
                sent
            },
        );
        eventually("every message arrives", || async { server.received().len() >= count }).await;
        // Give a double send the time to show.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut recipients: Vec<String> = server.received().into_iter().flat_map(|m| m.to).collect();
        recipients.sort();
        let before = recipients.len();
        recipients.dedup();
        assert_eq!((before, recipients.len()), (count, count), "each message exactly once");
        assert!(a + b <= count, "these two sent {a} + {b}");
        let unsent: i64 = sqlx::query("SELECT COUNT(*) AS n FROM email_outbox WHERE sent_at IS NULL")
            .fetch_one(app.db.pool())
            .await
            .expect("count")
            .try_get("n")
            .expect("n");
        assert_eq!(unsent, 0);
    }

    async fn without_smtp_nothing_is_sent_and_nothing_fails(app) {
        let server = FakeSmtp::start().await;
        assert!(!app.state.outbox.sends_mail());
        assert!(outbox::spawn(app.state.clone()).is_none(), "no sender runs");
        sign_up(&app, "unmailed").await;
        let browser = app.browser();
        let (status, _) = browser.page("/").await;
        assert_eq!(status, StatusCode::OK);

        assert_eq!(outbox::send_pending(&app.state).await.expect("no error"), 0);
        let row = outbox_row(&app, "unmailed@example.org").await;
        assert_eq!((row.sent_at, row.attempts, row.failed_at), (None, 0, None), "{row:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(server.connections.load(Ordering::SeqCst), 0);
        assert!(server.received().is_empty());
    }
}
