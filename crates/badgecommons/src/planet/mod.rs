//! The planet: what members write on their own sites, gathered into one river.
//!
//! A member connects their site (`/planet/connect`, or `POST /api/v1/planet/subscriptions`):
//! the site's feeds are discovered and the chosen ones stored in `planet_feeds`, credited to the
//! member; admins may add feeds for the community or import an OPML list. Each feed is fetched
//! once when added, then polled by a job; its entries are parsed into one model, sanitised, and
//! stored in `planet_entries`, where the community's and the feed's filters decide which are
//! shown. `/planet` is the river of shown entries, newest first, by member and by tag, marked up
//! as h-feed/h-entry, with Atom and JSON Feed forms and a public OPML list (`/planet.opml`); an
//! entry can be discussed, which opens a forum topic linking the original.
//!
//! Where to look: `subscriptions` (connecting a site), `river` (reading entries), `opml`,
//! `discuss`, `routes` (pages) and `api` (`/api/v1/planet/...`); the engine: `feeds` (the feed
//! rows and their claims), `polling` (the job and `badgecommons planet refresh`), `schedule`
//! (when to poll next), `entries` (storing with de-duplication), `filters`, and `websub` (the
//! subscriber side: subscribing, the callback, renewals, hub advertising on our own feeds).

mod api;
mod discuss;
mod entries;
mod feeds;
mod filters;
pub mod opml;
pub mod polling;
mod river;
mod routes;
mod schedule;
mod subscriptions;
pub(crate) mod websub;

use axum::Router;

pub(crate) use feeds::is_member_site;

use crate::web::AppState;

/// The planet's routes.
pub fn routes() -> Router<AppState> {
    routes::routes()
        .merge(api::routes())
        .merge(discuss::routes())
        .merge(websub::routes())
}

/// Fetches a feed that was just added, so that its entries show at once; a failure is recorded
/// on the feed (its owner sees it on the feeds page), never returned to the one who added it.
async fn start_first_fetch(state: &AppState, feed_id: i64) {
    if let Err(e) = polling::poll_now(state, feed_id).await {
        tracing::warn!(feed_id, error = %e, "first fetch of a new planet feed failed");
    }
}
