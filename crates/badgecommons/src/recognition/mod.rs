//! Recognition: the community issues Open Badges. So far, the issuer's signing keys and signing a
//! credential from the command line (`badgecommons keygen`, `badgecommons sign`), and verifying any
//! badge (`/verify`, `POST /api/v1/verify`); the badge classes, awards and pages of issue 4 will
//! live here too.

mod award_routes;
pub mod awards;
mod badge_class_routes;
pub mod badge_classes;
pub mod documents;
pub mod images;
pub mod issuer;
pub mod issuer_profile;
pub mod keys;
mod report_text;
pub mod signing;
mod verify_display;
mod verify_page;

use axum::Router;

use crate::web::AppState;

pub use report_text::report_text;
pub use verify_page::{MAX_IMAGE_BYTES, UPLOAD_PATHS};

/// The pages and API routes of recognition.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(verify_page::routes())
        .merge(badge_class_routes::routes())
        .merge(award_routes::routes())
}
