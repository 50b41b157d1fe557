//! Verification: the pipeline that checks a badge of any format, and the report it produces.
//!
//! Every input — a baked image, OB 2.0 or 3.0 JSON, a JWS or VC-JWT, an assertion URL — ends
//! in the same [`Report`]: a list of [`Check`]s, each with an id, a [`Status`] and a message a
//! person understands, an overall verdict, and a [`Summary`] of what the badge says. Nothing that
//! can be given to the verifier makes it panic; what cannot be checked is said, never assumed:
//! a revocation list that cannot be fetched gives a *warning* that a displayer must show, not
//! "not revoked".

mod fetch;
pub mod input;
pub mod keys;
pub mod ob2;
pub mod ob3;
mod options;
mod report;
pub mod status;

pub use fetch::{Fetch, FetchFailure, FetchedDocument, Offline};
pub use input::{verify_bytes, verify_url};
pub use ob2::{verify_ob2_hosted, verify_ob2_hosted_url, verify_ob2_signed};
pub use ob3::{verify_ob3, verify_ob3_jwt};
pub use options::Options;
pub use report::{Check, Report, Status, Summary};
