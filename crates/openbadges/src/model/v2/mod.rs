//! Open Badges 2.0 (1EdTech, 2018): Assertions, BadgeClasses and issuer Profiles.
//!
//! In 2.0 a badge is three linked JSON-LD documents, each usually hosted at its own `id` URL:
//!
//! - an [`Assertion`]: *this recipient earned this badge on this date*. Its `recipient` is an
//!   [`IdentityObject`] (usually a salted SHA-256 of an email address), its `badge` names the
//!   BadgeClass and its `verification` says how to check it: `hosted` (fetch it from its `id`)
//!   or `signed` (a JWS signature made with a [`CryptographicKey`]).
//! - a [`BadgeClass`]: the achievement: name, description, image, [`Criteria`], [`Alignment`]s
//!   to educational standards, and the `issuer`.
//! - a [`Profile`] (typed `Issuer` or `Profile`): who issues, with contact details, public keys
//!   and a [`RevocationList`] for signed badges.
//!
//! Any of those links may be embedded instead ([`IdOr`]), most properties may be one value or an
//! array ([`OneOrMany`]), images may be URLs, `data:` URIs or [`Image`] objects, and dates may
//! be ISO 8601 strings or Unix timestamps ([`DateValue`]). Unknown properties are kept in
//! `extra` so documents round-trip.
//!
//! ```
//! use openbadges::model::v2::Assertion;
//! let a = Assertion::from_json(r#"{
//!   "@context": "https://w3id.org/openbadges/v2",
//!   "type": "Assertion",
//!   "id": "https://example.org/beths-robotics-badge.json",
//!   "recipient": {"type": "email", "hashed": true, "salt": "deadsea",
//!     "identity": "sha256$c7ef86405ba71b85acd8e2e95166c4b111448089f2e1599f42fe1bba46e865c5"},
//!   "issuedOn": "2016-12-31T23:59:59Z",
//!   "badge": "https://example.org/robotics-badge.json",
//!   "verification": {"type": "hosted"}
//! }"#).unwrap();
//! assert_eq!(a.badge.as_ref().and_then(|b| b.id()), Some("https://example.org/robotics-badge.json"));
//! assert_eq!(a.issued_on.unwrap().unix_seconds().unwrap(), 1_483_228_799);
//! ```

mod date;

pub use date::{parse_date_text, DateValue};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::common::identity_matches;
pub use crate::model::common::{Context, Extra, HasId, IdOr, OneOrMany};
use crate::model::ModelError;

macro_rules! has_id {
    ($($t:ty),*) => {$(
        impl HasId for $t {
            fn id(&self) -> Option<&str> {
                self.id.as_deref()
            }
        }
        crate::model::common::json_document!($t);

        impl $t {
            /// Whether `type` includes `t` (also matching full IRIs ending in `#t`).
            pub fn has_type(&self, t: &str) -> bool {
                self.type_.as_ref().is_some_and(|types| {
                    types.iter().any(|x| x == t || x.ends_with(&format!("#{t}")))
                })
            }
        }
    )*};
}

/// An image: an HTTP(S) URL, a `data:` URI with the image inline, or an [`Image`] object with
/// a caption.
pub type ImageRef = IdOr<Image>;

impl ImageRef {
    /// The URL or data URI of the image, whichever form it has.
    pub fn url(&self) -> Option<&str> {
        self.id()
    }

    /// Whether the image is embedded as a `data:` URI rather than linked.
    pub fn is_data_uri(&self) -> bool {
        self.url()
            .is_some_and(|u| u.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:")))
    }
}

/// An Open Badges 2.0 Assertion: one recipient's award of one badge.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assertion {
    /// The JSON-LD context, normally `https://w3id.org/openbadges/v2`.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Where the Assertion is hosted (hosted verification) or a `urn:uuid:` (signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Assertion`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// Who earned the badge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<IdentityObject>,
    /// The BadgeClass: its URL, or the BadgeClass embedded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<IdOr<BadgeClass>>,
    /// How to verify the Assertion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationObject>,
    /// Open Badges 1.x spelled `verification` as `verify`; kept when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerificationObject>,
    /// When the badge was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<DateValue>,
    /// The baked image of this award (URL, data URI or Image object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageRef>,
    /// Evidence of the achievement: URLs or [`Evidence`] objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<OneOrMany<IdOr<Evidence>>>,
    /// A narrative (Markdown) of how the recipient met the criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// When the award stops being valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateValue>,
    /// `true` on a revoked hosted Assertion (served with HTTP 410).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
    /// Why the Assertion was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
    /// Endorsements of this Assertion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<OneOrMany<IdOr<Endorsement>>>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An Open Badges 2.0 BadgeClass: the achievement that Assertions award.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BadgeClass {
    /// The JSON-LD context.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Where the BadgeClass is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `BadgeClass`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// The badge's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The badge image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageRef>,
    /// What earning it requires: a URL, or a [`Criteria`] with a Markdown narrative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<IdOr<Criteria>>,
    /// The issuer Profile: its URL or the Profile embedded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IdOr<Profile>>,
    /// Alignments to educational standards or frameworks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<OneOrMany<Alignment>>,
    /// Keywords.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<OneOrMany<String>>,
    /// A version number or string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Value>,
    /// Related BadgeClasses (other versions, other languages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<Value>,
    /// Endorsements of this BadgeClass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<OneOrMany<IdOr<Endorsement>>>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An Open Badges 2.0 Profile: an issuer (typed `Issuer`) or another entity.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The JSON-LD context.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Where the Profile is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Issuer` or `Profile`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// The entity's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageRef>,
    /// A contact email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Public keys for signed badges: URLs of [`CryptographicKey`] documents or the keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<OneOrMany<IdOr<CryptographicKey>>>,
    /// Rules for hosted verification (`allowedOrigins`, `startsWith`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationObject>,
    /// The issuer's [`RevocationList`] for signed badges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_list: Option<IdOr<RevocationList>>,
    /// Endorsements of this Profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<OneOrMany<IdOr<Endorsement>>>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The recipient of an Assertion: an identity, in plain text or hashed.
///
/// `identity` is either the plain identity (`hashed: false`) or `algorithm$hexdigest` of the
/// identity followed by `salt` (`hashed: true`), with `sha256` or `md5`. `type` says what kind
/// of identity it is: `email` (most common), `url`, `telephone` or `id`.
///
/// ```
/// use openbadges::model::v2::IdentityObject;
/// let r: IdentityObject = serde_json::from_str(r#"{"type": "email", "hashed": true,
///   "salt": "Kosher",
///   "identity": "sha256$B5809D8A92F8858436D7E6B87C12EBC0AE1EAC4BAECC2C0B913AEE2C922EF399"}"#).unwrap();
/// assert!(r.matches("a@example.com"));
/// assert!(!r.matches("someone@example.com"));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    /// The kind of identity: `email`, `url`, `telephone` or `id`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Whether `identity` is a hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashed: Option<bool>,
    /// The salt appended to the identity before hashing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// The identity, or `sha256$…` / `md5$…`.
    #[serde(default)]
    pub identity: String,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

impl IdentityObject {
    /// Whether the identity is hashed (`hashed: true`).
    pub fn is_hashed(&self) -> bool {
        self.hashed == Some(true)
    }

    /// Whether `candidate_identity` (for example the email address a user claims) is this
    /// recipient. Plain identities compare exactly, email addresses ASCII case-insensitively;
    /// hashed ones are recomputed with the salt and compared case-insensitively. A malformed or
    /// unsupported hash never matches (see [`IdentityObject::check`] for the reason).
    pub fn matches(&self, candidate_identity: &str) -> bool {
        self.check(candidate_identity).unwrap_or(false)
    }

    /// Like [`IdentityObject::matches`], but says why a hashed identity could not be checked.
    ///
    /// # Errors
    /// [`ModelError::MalformedHash`] or [`ModelError::UnsupportedHash`].
    pub fn check(&self, candidate_identity: &str) -> Result<bool, ModelError> {
        let email = self
            .type_
            .as_deref()
            .is_none_or(|t| t.eq_ignore_ascii_case("email"));
        identity_matches(
            &self.identity,
            self.is_hashed(),
            self.salt.as_deref(),
            candidate_identity,
            email,
        )
    }
}

/// How an Assertion is verified, or (on a Profile) which URLs hosted Assertions may use.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationObject {
    /// `hosted` / `HostedBadge` or `signed` / `SignedBadge`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// The property whose value is checked against the fetched document (default `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_property: Option<String>,
    /// For signed badges: the key that signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<IdOr<CryptographicKey>>,
    /// URL prefixes hosted Assertions must start with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<OneOrMany<String>>,
    /// Host names hosted Assertions may be served from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<OneOrMany<String>>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

impl VerificationObject {
    /// Whether the type says hosted verification (`hosted`, `HostedBadge`).
    pub fn is_hosted(&self) -> bool {
        self.type_.as_ref().is_some_and(|t| {
            t.iter()
                .any(|x| x.eq_ignore_ascii_case("hosted") || x == "HostedBadge")
        })
    }

    /// Whether the type says signed verification (`signed`, `SignedBadge`).
    pub fn is_signed(&self) -> bool {
        self.type_.as_ref().is_some_and(|t| {
            t.iter()
                .any(|x| x.eq_ignore_ascii_case("signed") || x == "SignedBadge")
        })
    }
}

/// What a recipient must do to earn a badge.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Criteria {
    /// A page describing the criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Criteria`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// The criteria in Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Evidence that the recipient met the criteria.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Evidence {
    /// Where the evidence is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Evidence`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// A narrative (Markdown) of the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// A title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The kind of evidence (e.g. `Photography`, `ePortfolio`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    /// Who the evidence is meant for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An alignment of a BadgeClass to a node of an educational framework or standard.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    /// The name of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    /// The target's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// A description of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    /// The framework the target belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    /// The target's code within its framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An image with metadata.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Image {
    /// The image URL or `data:` URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `schema:ImageObject`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// A caption, useful as alt text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Who made the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A third party's claim about a Profile, BadgeClass or Assertion.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endorsement {
    /// The JSON-LD context.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Where the Endorsement is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Endorsement`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// The endorser's Profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IdOr<Profile>>,
    /// When the endorsement was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<DateValue>,
    /// What is claimed: the `id` of the endorsed document and the endorsed properties, often
    /// `endorsementComment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Value>,
    /// How to verify the Endorsement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationObject>,
    /// `true` when revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
    /// Why it was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A public key of an issuer, for signed badges.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CryptographicKey {
    /// The JSON-LD context.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Where the key is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `CryptographicKey`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// The `id` of the Profile that owns the key; must point back to the issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The public key, PEM-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_pem: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The list of revoked signed Assertions an issuer publishes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevocationList {
    /// The JSON-LD context.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Where the list is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `RevocationList`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// The issuer that publishes the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IdOr<Profile>>,
    /// Revoked Assertions: their ids, or objects with `id` or legacy `uid` and a reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_assertions: Option<Vec<IdOr<RevokedAssertion>>>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of a [`RevocationList`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokedAssertion {
    /// The revoked Assertion's `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The legacy (1.x) `uid` of the revoked Assertion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Why it was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

impl HasId for RevokedAssertion {
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl RevocationList {
    /// If the Assertion with this `id` (or legacy `uid`) is on the list, the entry's reason
    /// (`Some(None)` when none is given); `None` when it is not revoked by this list.
    ///
    /// ```
    /// use openbadges::model::v2::RevocationList;
    /// let list = RevocationList::from_json(r#"{"revokedAssertions": [
    ///   "urn:uuid:3c574c87", {"id": "urn:uuid:e79a6c18", "revocationReason": "Honor code"}]}"#).unwrap();
    /// assert_eq!(list.revocation("urn:uuid:e79a6c18"), Some(Some("Honor code")));
    /// assert_eq!(list.revocation("urn:uuid:3c574c87"), Some(None));
    /// assert_eq!(list.revocation("urn:uuid:other"), None);
    /// ```
    pub fn revocation(&self, id_or_uid: &str) -> Option<Option<&str>> {
        self.revoked_assertions
            .as_ref()?
            .iter()
            .find_map(|e| match e {
                IdOr::Id(id) => (id == id_or_uid).then_some(None),
                IdOr::Object(o) => (o.id.as_deref() == Some(id_or_uid)
                    || o.uid.as_deref() == Some(id_or_uid))
                .then_some(o.revocation_reason.as_deref()),
            })
    }
}

has_id!(
    Assertion,
    BadgeClass,
    Profile,
    Criteria,
    Evidence,
    Image,
    Endorsement,
    CryptographicKey,
    RevocationList
);

impl Assertion {
    /// The verification object, whichever spelling (`verification` or 1.x `verify`) is used.
    pub fn verification_object(&self) -> Option<&VerificationObject> {
        self.verification.as_ref().or(self.verify.as_ref())
    }
}
