//! Moderation and administration: members flag posts, moderators work through a queue (flags,
//! posts and accounts waiting for approval), hide posts, lock, pin and move topics and suspend
//! members; admins manage categories and invites. Every moderator action is written to an audit
//! log that moderators can read.

mod actions;
mod api;
mod routes;
mod store;

pub use actions::create_category;
pub use store::audit;

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    routes::routes().merge(api::routes())
}
