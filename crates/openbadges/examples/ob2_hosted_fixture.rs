//! Writes a set of Open Badges 2.0 hosted documents, built with this crate's `model::v2` types,
//! for serving from a static file server: an issuer Profile, a BadgeClass with its image, an
//! Assertion awarded to a hashed email address, and a second Assertion that the issuer revoked.
//!
//! ```sh
//! cargo run -p openbadges --example ob2_hosted_fixture -- http://127.0.0.1:18452/ OUT_DIR [EMAIL]
//! ```
//!
//! Every document's `id` is under the base URL, so the files in `OUT_DIR` must be served at
//! that URL (`python3 -m http.server --bind 127.0.0.1 18452 --directory OUT_DIR`). The output is
//! deterministic: fixed dates and a fixed salt, so the same base URL gives the same bytes.
//! `tests/interop/ob2_validator.sh` uses it to check our documents with 1EdTech's validator, and
//! `tests/vectors/ob2-validator/` keeps what it made.
//!
//! Files written: `issuer.json`, `badge.json`, `badge.png`, `assertion.json` and
//! `assertion-revoked.json`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use openbadges::model::common::{hash_identity, ContextEntry, HashAlgorithm};
use openbadges::model::v2::{
    Assertion, BadgeClass, Criteria, DateValue, IdOr, IdentityObject, OneOrMany, Profile,
    VerificationObject,
};

/// The email address the badges are awarded to, unless another is given.
const DEFAULT_EMAIL: &str = "recipient@example.org";
/// The salt of the recipient hash (fixed, so that the output is reproducible).
const SALT: &str = "badge-commons-ob2-fixture";
/// The badge image: a small PNG from the baking fixtures.
const BADGE_PNG: &[u8] = include_bytes!("../tests/fixtures/bake/plain.png");
/// The OB 2.0 context every document names.
const CONTEXT: &str = "https://w3id.org/openbadges/v2";

fn context() -> Option<OneOrMany<ContextEntry>> {
    Some(OneOrMany::One(ContextEntry::Iri(CONTEXT.into())))
}

fn one(s: &str) -> Option<OneOrMany<String>> {
    Some(OneOrMany::One(s.into()))
}

fn hosted() -> Option<VerificationObject> {
    Some(VerificationObject {
        type_: one("hosted"),
        ..VerificationObject::default()
    })
}

fn issuer(base: &str) -> Profile {
    Profile {
        context: context(),
        id: Some(format!("{base}issuer.json")),
        type_: one("Issuer"),
        name: Some("Badge Commons Interop Issuer".into()),
        url: Some(base.to_owned()),
        email: Some("issuer@example.org".into()),
        description: Some(
            "An issuer whose documents are served on loopback for interop tests.".into(),
        ),
        ..Profile::default()
    }
}

fn badge_class(base: &str) -> BadgeClass {
    BadgeClass {
        context: context(),
        id: Some(format!("{base}badge.json")),
        type_: one("BadgeClass"),
        name: Some("Interoperability".into()),
        description: Some("Awarded to documents that two independent verifiers agree on.".into()),
        image: Some(IdOr::Id(format!("{base}badge.png"))),
        criteria: Some(IdOr::Object(Box::new(Criteria {
            narrative: Some("Pass 1EdTech's Open Badges 2.0 validator.".into()),
            ..Criteria::default()
        }))),
        issuer: Some(IdOr::Id(format!("{base}issuer.json"))),
        tags: Some(OneOrMany::Many(vec!["interop".into(), "testing".into()])),
        ..BadgeClass::default()
    }
}

fn assertion(base: &str, file: &str, email: &str) -> Assertion {
    Assertion {
        context: context(),
        id: Some(format!("{base}{file}")),
        type_: one("Assertion"),
        recipient: Some(IdentityObject {
            type_: Some("email".into()),
            hashed: Some(true),
            salt: Some(SALT.into()),
            identity: hash_identity(HashAlgorithm::Sha256, email, Some(SALT)),
            ..IdentityObject::default()
        }),
        badge: Some(IdOr::Id(format!("{base}badge.json"))),
        verification: hosted(),
        issued_on: Some(DateValue::Text("2024-03-01T12:00:00Z".into())),
        ..Assertion::default()
    }
}

fn write_json(dir: &Path, name: &str, value: &impl serde::Serialize) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| format!("{name}: {e}"))?;
    text.push('\n');
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(base: &str, dir: &Path, email: &str) -> Result<(), String> {
    if !(base.starts_with("http://") || base.starts_with("https://")) || !base.ends_with('/') {
        return Err(format!(
            "the base URL must be http(s) and end with '/', like http://127.0.0.1:18452/ (got {base})"
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    write_json(dir, "issuer.json", &issuer(base))?;
    write_json(dir, "badge.json", &badge_class(base))?;
    write_json(
        dir,
        "assertion.json",
        &assertion(base, "assertion.json", email),
    )?;
    let mut revoked = assertion(base, "assertion-revoked.json", email);
    revoked.revoked = Some(true);
    revoked.revocation_reason = Some("Awarded in error.".into());
    write_json(dir, "assertion-revoked.json", &revoked)?;
    std::fs::write(dir.join("badge.png"), BADGE_PNG).map_err(|e| format!("badge.png: {e}"))?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (base, dir, email) = match args.as_slice() {
        [base, dir] => (base.as_str(), PathBuf::from(dir), DEFAULT_EMAIL),
        [base, dir, email] => (base.as_str(), PathBuf::from(dir), email.as_str()),
        _ => {
            eprintln!("usage: ob2_hosted_fixture BASE_URL OUT_DIR [EMAIL]");
            return ExitCode::from(2);
        }
    };
    match run(base, &dir, email) {
        Ok(()) => {
            println!("wrote {} for {base}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ob2_hosted_fixture: {e}");
            ExitCode::FAILURE
        }
    }
}
