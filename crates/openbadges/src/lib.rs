//! # openbadges
//!
//! Open Badges are digital credentials: an issuer says that a recipient achieved something, in a
//! JSON document that anyone can check. This crate reads, writes, bakes and verifies them, for
//! both versions in use:
//!
//! - **Open Badges 2.0** (1EdTech): an *Assertion* about a *BadgeClass* issued by a *Profile*,
//!   verified by fetching the hosted documents (hosted verification) or by checking a JWS
//!   signature (signed verification).
//! - **Open Badges 3.0** (1EdTech, built on W3C Verifiable Credentials): an
//!   *OpenBadgeCredential* whose *AchievementSubject* achieved an *Achievement*, secured by a Data
//!   Integrity proof (`eddsa-rdfc-2022`) or as a VC-JWT.
//!
//! The modules follow those steps: [`model`] (the types and the bundled JSON-LD contexts),
//! [`proof`] (signatures), [`bake`] (credentials inside PNG and SVG images) and [`verify`] (the
//! pipeline and its report). There is no database and no web server here, and the network is
//! reached only through the [`verify::Fetch`] trait that callers implement, so that tests run
//! offline and applications can plug in a guarded HTTP client.

#![deny(missing_docs)]

pub mod bake;
pub mod contexts;
pub mod model;
pub mod proof;
pub mod verify;
