//! IndieAuth sign-in ("sign in with your domain") and verified `rel=me` links on profiles.
//!
//! A member types their website; this site, as an IndieAuth client, finds the authorization
//! server that page names, sends the browser there with PKCE (S256) and a single-use `state`,
//! and on the way back checks `iss`, redeems the code and makes sure the profile URL it is
//! given uses the same server (`client`). The proven URL then signs in to the account it is
//! linked to, is linked to the member already signed in, or gets a new account (`routes`).
//! Separately, members list their sites on `/account/links` and prove them by linking back to
//! their profile with `rel=me` (`rel_me`); profiles show the proven ones.
//!
//! Choices: the client is this site's home page (`{public_url}/`), and the redirect URI is on
//! the same origin, so servers need not fetch client metadata. The `state` is stored hashed in
//! the database for 10 minutes and used once; it is bound to the browser by an HttpOnly,
//! SameSite=Lax cookie holding it. Sessions are the accounts feature's own. Accounts made here
//! have no password and no email address (see `store::create_account`); they follow the
//! community's sign-up rule (refused when joining needs an invite).

mod client;
mod rel_me;
mod routes;
mod store;

use axum::Router;

pub use rel_me::verified_links;

use crate::web::AppState;

/// The IndieAuth routes.
pub fn routes() -> Router<AppState> {
    routes::routes()
}
