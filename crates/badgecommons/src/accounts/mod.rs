//! Accounts: signing up (open, with approval, or by invite), signing in and out, passwords
//! (argon2id), browser sessions kept in the database, API bearer tokens, roles, and the public
//! profile page `/u/{username}` marked up as an h-card.

mod api;
pub mod email_confirmation;
pub mod membership;
pub mod model;
pub mod password;
mod routes;
pub mod store;
pub mod tokens;

pub(crate) use routes::session_cookie;

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    routes::routes()
        .merge(api::routes())
        .merge(email_confirmation::routes())
}
