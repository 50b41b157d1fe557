//! Recognition: the community issues Open Badges. So far, the issuer's signing keys and signing a
//! credential from the command line (`badgecommons keygen`, `badgecommons sign`); the badge
//! classes, awards and pages of issue 4 will live here too.

pub mod keys;
mod report_text;
pub mod signing;

pub use report_text::report_text;
