//! Badge Commons: a self-hostable home for an open credentials community — a forum with public,
//! permanent archives, and (in later parts) a planet of members' own sites, group decisions and
//! Open Badges. This crate is the application; `main.rs` is its command line.
//!
//! Where to look: `web/` is the shell every request passes (router, CSRF, sessions, failures,
//! metrics); each feature has its own folder with its queries, routes and templates (`accounts/`,
//! `forum/`, `moderation/`, `notifications/`, `search/`); `store/` opens the database and holds the
//! migrations of both backends; `jobs/` the background work kept in the database (the email
//! outbox); `api/` the OpenAPI document.

pub mod accounts;
pub mod api;
pub mod backpack;
pub mod config;
pub mod demo;
pub mod forum;
pub mod indieauth;
pub mod jobs;
pub mod moderation;
pub mod net;
pub mod notifications;
pub mod planet;
pub mod recognition;
pub mod search;
pub mod store;
pub mod web;
pub mod webmention;

use tokio::net::TcpListener;

pub use config::Settings;

/// Opens (and migrates) the database, binds the listener and serves until SIGTERM or Ctrl-C.
pub async fn run_server(settings: Settings, demo: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let db = store::Db::open(&settings.database_url).await?;
    let listener = TcpListener::bind(settings.listen).await?;
    let address = listener.local_addr()?;
    let users = accounts::store::count_users(&db).await?;
    let demo = demo && users == 0;
    tracing::info!(%address, elapsed_ms = started.elapsed().as_millis() as u64, "listening");
    println!(
        "Badge Commons is serving http://{address}/ (ready in {} ms)",
        started.elapsed().as_millis()
    );
    if users == 0 && !demo {
        println!(
            "This community has no members yet. Create the first admin with:\n  \
             badgecommons --database-url '{}' admin create-user --username admin --email admin@example.org --role admin --password-stdin",
            redacted(&settings.database_url)
        );
    }
    match &settings.smtp_url {
        Some(url) => println!(
            "Email is sent through {} as {}",
            url.redacted(),
            settings.mail_from
        ),
        None => println!("Email is not sent (no --smtp-url): confirmation links are logged"),
    }
    let state = web::AppState::new(db, settings)?;
    // Bulk award jobs cut short by a stop or a crash go on where they were.
    match recognition::bulk_awards::resume_bulk_jobs(&state).await {
        Ok(0) => {}
        Ok(resumed) => tracing::info!(resumed, "resuming bulk award jobs"),
        Err(e) => tracing::warn!(error = %e, "cannot resume bulk award jobs"),
    }
    if demo
        && demo::seed(&state)
            .await
            .map_err(|e| anyhow::anyhow!("seeding the demo: {e:?}"))?
    {
        println!(
            "Demo community created: sign in as ada (admin), grace (moderator), linus, mei or sam, password {:?}",
            demo::DEMO_PASSWORD
        );
    }
    // Award rules that time alone fulfils (member for N days) are checked hourly.
    let periodic = recognition::rules::spawn_periodic(state.clone());
    // Revocations and expiries of imported badges show within a day.
    let reverify = backpack::spawn_daily_reverification(state.clone());
    // The email outbox is sent while SMTP is configured (else its messages are only logged).
    let mailer = jobs::outbox::spawn(state.clone());
    // The planet's feeds are polled (and WebSub leases renewed) in the background.
    let planet_poller = planet::polling::spawn(state.clone());
    // Received Webmentions are verified and queued ones sent (see `webmention`).
    let webmentions = webmention::spawn(state.clone());
    let served = web::serve(listener, state).await;
    if let Some(mailer) = mailer {
        mailer.abort();
    }
    webmentions.abort();
    planet_poller.abort();
    reverify.abort();
    periodic.abort();
    served?;
    Ok(())
}

/// A database URL without its password, safe to print.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
