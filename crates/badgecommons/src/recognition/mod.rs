//! Recognition: the community issues Open Badges. So far, the issuer's signing keys and signing a
//! credential from the command line (`badgecommons keygen`, `badgecommons sign`), and verifying any
//! badge (`/verify`, `POST /api/v1/verify`); the badge classes, awards and pages of issue 4 will
//! live here too.

mod award_routes;
pub mod awards;
mod badge_class_routes;
pub mod badge_classes;
mod bulk_award_routes;
pub mod bulk_awards;
pub mod documents;
pub mod images;
pub mod issuer;
pub mod issuer_profile;
pub mod keys;
mod report_text;
mod rule_routes;
pub mod rules;
pub mod signing;
mod verify_display;
mod verify_page;

use axum::Router;

use crate::web::AppState;

pub(crate) use award_routes::{baked_image, VisibilityFields};
pub use report_text::report_text;
pub(crate) use verify_page::{api_input, form_input, Input};
pub use verify_page::{MAX_IMAGE_BYTES, UPLOAD_PATHS};

/// The pages and API routes of recognition.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(verify_page::routes())
        .merge(badge_class_routes::routes())
        .merge(award_routes::routes())
        .merge(rule_routes::routes())
        .merge(bulk_award_routes::routes())
}
