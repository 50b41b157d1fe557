//! The integration-test harness: starts the real application on a free loopback port with a fresh
//! SQLite file, or a fresh schema of the PostgreSQL named by `BADGECOMMONS_TEST_POSTGRES`, and
//! drives it like a browser (cookies, CSRF tokens, forms) or an API client (bearer tokens).
//!
//! `both_backends!` turns each test into a `sqlite` and a `postgres` test. Without
//! `BADGECOMMONS_TEST_POSTGRES` the PostgreSQL half says so and passes on a developer machine,
//! but fails under CI (`CI` set), so the backend is never silently untested there.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use badgecommons::accounts::model::Role;
use badgecommons::accounts::password::hash_password;
use badgecommons::accounts::store::{self as accounts, NewUser};
use badgecommons::config::{RateLimitSettings, Settings, SignupMode};
use badgecommons::store::Db;
use badgecommons::web::{self, AppState};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::StatusCode;

pub const PASSWORD: &str = "a long test password";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running application and the database it uses.
pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub backend: Backend,
    /// The running app's state, for calling its jobs directly.
    pub state: AppState,
    server: tokio::task::JoinHandle<()>,
    /// The email outbox sender, when the test configured SMTP.
    mailer: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(mailer) = &self.mailer {
            mailer.abort();
        }
        if self.backend == Backend::Sqlite {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name no other test in any process uses at the same time.
pub fn unique_name(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// The PostgreSQL URL to test against, if any; under CI its absence is a failure.
pub fn postgres_url() -> Option<String> {
    match std::env::var("BADGECOMMONS_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI must test PostgreSQL: set BADGECOMMONS_TEST_POSTGRES=postgres://...")
        }
        _ => {
            eprintln!("BADGECOMMONS_TEST_POSTGRES is not set: PostgreSQL half not run here");
            None
        }
    }
}

/// A fresh, empty database of the given backend: (URL for the app, data directory).
pub async fn fresh_database(backend: Backend) -> Option<(String, PathBuf)> {
    let data_dir = std::env::temp_dir().join(unique_name("badgecommons-test"));
    std::fs::create_dir_all(&data_dir).expect("temp dir");
    match backend {
        Backend::Sqlite => Some((badgecommons::store::default_sqlite_url(&data_dir), data_dir)),
        Backend::Postgres => {
            let url = postgres_url()?;
            let schema = unique_name("t").to_lowercase();
            let admin = Db::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {url}: {e}"));
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(admin.pool())
                .await
                .expect("create schema");
            admin.close().await;
            let separator = if url.contains('?') { '&' } else { '?' };
            Some((
                format!("{url}{separator}options=-c%20search_path%3D{schema}"),
                data_dir,
            ))
        }
    }
}

pub fn test_settings(database_url: &str, data_dir: &std::path::Path) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data_dir: data_dir.to_path_buf(),
        database_url: database_url.to_string(),
        public_url: String::new(),
        site_name: "Test Commons".to_string(),
        signup: SignupMode::Open,
        first_posts_need_approval: 0,
        limits: RateLimitSettings {
            sign_in_per_minute: 1000,
            sign_up_per_hour: 1000,
            posts_per_minute: 1000,
            verify_per_minute: 1000,
        },
        fetch: badgecommons::net::FetchPolicy::default(),
        smtp_url: None,
        mail_from: "Test Commons <noreply@example.org>".to_string(),
        websub_hub: None,
    }
}

impl TestApp {
    /// Starts the app on `backend`; `None` only for PostgreSQL outside CI without a database.
    pub async fn start(backend: Backend) -> Option<TestApp> {
        TestApp::start_with(backend, |_| {}).await
    }

    /// Starts the app with outbound fetches to 127.0.0.0/8 allowed, for tests whose other
    /// sites (feeds, Webmention sources, IndieAuth servers, the app itself) run on loopback.
    pub async fn start_on_loopback(backend: Backend) -> Option<TestApp> {
        TestApp::start_with(backend, |s| {
            s.fetch.allow = badgecommons::net::parse_allow_list("127.0.0.0/8").expect("allow list");
        })
        .await
    }

    pub async fn start_with(
        backend: Backend,
        configure: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        let (database_url, data_dir) = fresh_database(backend).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("addr");
        let mut settings = test_settings(&database_url, &data_dir);
        settings.public_url = format!("http://{address}");
        configure(&mut settings);
        let db = Db::open(&database_url).await.expect("open database");
        let state = AppState::new(db.clone(), settings).expect("app state");
        let mailer = badgecommons::jobs::outbox::spawn(state.clone());
        let app = web::router(state.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Some(TestApp {
            base: format!("http://{address}"),
            db,
            database_url,
            data_dir,
            backend,
            state,
            server,
            mailer,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Creates an account directly in the database.
    pub async fn member(&self, username: &str, role: Role) -> i64 {
        let hash = hash_password(PASSWORD).expect("hash");
        accounts::create_user(
            &self.db,
            NewUser {
                username,
                email: &format!("{username}@example.org"),
                password_hash: &hash,
                role,
                approved: true,
                email_confirmed: true,
            },
        )
        .await
        .expect("create member")
    }

    pub async fn category(&self, slug: &str) {
        badgecommons::moderation::create_category(
            &self.db,
            slug,
            &format!("Category {slug}"),
            "About it",
            Role::Member,
        )
        .await
        .expect("create category");
    }

    /// A browser with no cookies yet.
    pub fn browser(&self) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser {
            base: self.base.clone(),
            client,
            jar,
        }
    }

    /// A browser signed in as `username` (who must exist).
    pub async fn signed_in(&self, username: &str) -> Browser {
        let browser = self.browser();
        let response = browser
            .submit("/signin", &[("username", username), ("password", PASSWORD)])
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in as {username}"
        );
        browser
    }

    /// An API client holding a bearer token for `username`.
    pub async fn api_client(&self, username: &str) -> Api {
        let response = reqwest::Client::new()
            .post(self.url("/api/v1/tokens"))
            .json(&serde_json::json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: serde_json::Value = response.json().await.expect("json");
        Api {
            base: self.base.clone(),
            token: Some(body["token"].as_str().expect("token").to_string()),
            client: reqwest::Client::new(),
        }
    }

    /// An API client without a token.
    pub fn anonymous_api(&self) -> Api {
        Api {
            base: self.base.clone(),
            token: None,
            client: reqwest::Client::new(),
        }
    }

    /// Starts a topic through the API and returns its id.
    pub async fn topic_by(&self, api: &Api, category: &str, title: &str, body: &str) -> i64 {
        let (status, json) = api
            .post(
                "/api/v1/topics",
                serde_json::json!({ "category": category, "title": title, "body": body }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{json}");
        json["id"].as_i64().expect("topic id")
    }
}

/// A cookie-keeping client that fills in CSRF tokens like a real form would.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    jar: Arc<Jar>,
}

impl Browser {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("GET")
    }

    /// GET and return (status, body).
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base.parse().expect("base url");
        let header = self.jar.cookies(&url)?;
        let header = header.to_str().ok()?.to_string();
        header
            .split("; ")
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_string))
    }

    pub fn add_cookie(&self, cookie: &str) {
        let url = self.base.parse().expect("base url");
        self.jar.add_cookie_str(cookie, &url);
    }

    /// The CSRF token this browser's forms carry (visiting a page first if needed).
    pub async fn csrf(&self) -> String {
        if let Some(token) = self.cookie("bc_csrf") {
            return token;
        }
        self.get("/").await;
        self.cookie("bc_csrf")
            .expect("CSRF cookie set by the first page")
    }

    /// Submits a form with the right CSRF token.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.client
            .post(format!("{}{}", self.base, path))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// Submits a form without any CSRF token (as a forged cross-site form would).
    pub async fn submit_without_csrf(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(format!("{}{}", self.base, path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// Submits a `multipart/form-data` form (one with file inputs) with the right CSRF token:
    /// text `fields`, then `files` as (field name, file name, content type, bytes).
    pub async fn submit_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[FilePart<'_>],
    ) -> reqwest::Response {
        let token = self.csrf().await;
        let mut text: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        text.extend_from_slice(fields);
        let (content_type, body) = multipart_body(&text, files);
        self.client
            .post(format!("{}{}", self.base, path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST")
    }
}

/// A file input of a multipart form: (field name, file name, content type, bytes).
pub type FilePart<'a> = (&'a str, &'a str, &'a str, &'a [u8]);

/// A `multipart/form-data` body and its content type (with the boundary), written by hand as a
/// browser would: text fields, then files.
pub fn multipart_body(fields: &[(&str, &str)], files: &[FilePart<'_>]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "----badgecommons-test-boundary-5c2f9e";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    for (name, file_name, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// Where a redirect points.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A JSON API client.
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    pub client: reqwest::Client,
}

impl Api {
    fn with_auth(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    async fn finish(request: reqwest::RequestBuilder) -> (StatusCode, serde_json::Value) {
        let response = request.send().await.expect("API request");
        let status = response.status();
        let text = response.text().await.expect("body");
        let json = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("API answered non-JSON ({status}): {text}"))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, serde_json::Value) {
        Api::finish(self.with_auth(self.client.get(format!("{}{}", self.base, path)))).await
    }

    pub async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        Api::finish(
            self.with_auth(
                self.client
                    .post(format!("{}{}", self.base, path))
                    .json(&body),
            ),
        )
        .await
    }

    pub async fn patch(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        Api::finish(
            self.with_auth(
                self.client
                    .patch(format!("{}{}", self.base, path))
                    .json(&body),
            ),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, serde_json::Value) {
        Api::finish(self.with_auth(self.client.delete(format!("{}{}", self.base, path)))).await
    }

    /// Sends raw bytes with a given content type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, serde_json::Value) {
        let request = self
            .client
            .post(format!("{}{}", self.base, path))
            .header("content-type", content_type)
            .body(body);
        Api::finish(self.with_auth(request)).await
    }
}

/// Runs each test body once against SQLite and once against PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: $crate::common::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::common::TestApp::start($crate::common::Backend::Sqlite).await.expect("sqlite app");
                    run(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = $crate::common::TestApp::start($crate::common::Backend::Postgres).await {
                        run(app).await;
                    }
                }
            }
        )*
    };
}

/// [`both_backends!`] with apps made by `$start` (an `async fn(Backend) -> Option<TestApp>`, e.g.
/// one that sets a short fetch time limit).
#[macro_export]
macro_rules! both_backends_started_by {
    ($start:path; $(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: $crate::common::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $start($crate::common::Backend::Sqlite).await.expect("sqlite app");
                    run(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = $start($crate::common::Backend::Postgres).await {
                        run(app).await;
                    }
                }
            }
        )*
    };
}

/// [`both_backends!`], on apps that may fetch from loopback ([`TestApp::start_on_loopback`]).
#[macro_export]
macro_rules! both_backends_on_loopback {
    ($($tests:tt)*) => {
        $crate::both_backends_started_by! { $crate::common::TestApp::start_on_loopback; $($tests)* }
    };
}

/// Serves `router` on a free 127.0.0.1 port (the other sites a test needs); returns its
/// `http://address`.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{address}")
}

/// Bodies of hostile servers, for tests of what the app fetches from outside.
pub mod hostile {
    use std::time::Duration;

    /// An endless body of 64 KiB chunks.
    pub struct Endless;

    impl futures_core::Stream for Endless {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(Some(Ok(vec![b'<'; 64 * 1024])))
        }
    }

    /// A body that sends one byte every 300 ms, for 30 s at most.
    pub fn drip_stream() -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send
    {
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
        tokio::spawn(async move {
            for _ in 0..100 {
                if sender.send(Ok(b"<".to_vec())).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        });
        Receiver(receiver)
    }

    struct Receiver(tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>);

    impl futures_core::Stream for Receiver {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            context: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            self.0.poll_recv(context)
        }
    }
}
