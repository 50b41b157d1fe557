//! Open Badges 3.0 (1EdTech, 2024): badges as W3C Verifiable Credentials.
//!
//! In 3.0 the award is one self-contained, signed document, an [`OpenBadgeCredential`] (the
//! specification also calls it `AchievementCredential`):
//!
//! - `issuer` is a [`Profile`] (or its URL / DID),
//! - `credentialSubject` is an [`AchievementSubject`]: the recipient (`id`, usually a DID, and/or
//!   [`IdentityObject`]s such as a hashed email) and the [`Achievement`] earned, with optional
//!   [`AchievementResult`]s against the Achievement's [`ResultDescription`]s,
//! - the validity period is `validFrom`/`validUntil` (Verifiable Credentials Data Model 2.0) or
//!   `issuanceDate`/`expirationDate` (VCDM 1.1, used by OB 3.0.0 and 3.0.1 credentials),
//! - `proof` is a Data Integrity proof ([`Proof`], kept as raw JSON for [`crate::proof`]), or
//!   the credential travels as a VC-JWT instead,
//! - `credentialStatus` ([`CredentialStatus`]) points at a revocation or status list.
//!
//! Third parties vouch for credentials, achievements and issuers with
//! [`EndorsementCredential`]s. [`validate_schema`] checks a credential against 1EdTech's JSON
//! Schema, bundled with this crate: the current (VCDM 2.0) one, or for a credential on VCDM 1.1
//! the one published with Open Badges 3.0.
//!
//! ```
//! use openbadges::model::v3::OpenBadgeCredential;
//! let vc = OpenBadgeCredential::from_json(r#"{
//!   "@context": ["https://www.w3.org/ns/credentials/v2",
//!                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
//!   "id": "http://example.com/credentials/3527",
//!   "type": ["VerifiableCredential", "OpenBadgeCredential"],
//!   "issuer": {"id": "https://example.com/issuers/876543", "type": ["Profile"], "name": "Example Corp"},
//!   "validFrom": "2010-01-01T00:00:00Z",
//!   "name": "Teamwork Badge",
//!   "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "type": ["AchievementSubject"],
//!     "achievement": {"id": "https://example.com/achievements/teamwork", "type": ["Achievement"],
//!       "name": "Teamwork", "description": "Collaboration", "criteria": {"narrative": "Nominated by peers."}}}
//! }"#).unwrap();
//! assert!(vc.is_open_badge_credential());
//! assert_eq!(vc.vc_version(), openbadges::model::v3::VcVersion::V2_0);
//! assert_eq!(vc.valid_from(), Some("2010-01-01T00:00:00Z"));
//! ```

mod schema;

pub use schema::{
    validate_schema, SchemaProblem, ACHIEVEMENT_CREDENTIAL_SCHEMA,
    ACHIEVEMENT_CREDENTIAL_SCHEMA_VC2, ENDORSEMENT_CREDENTIAL_SCHEMA,
    ENDORSEMENT_CREDENTIAL_SCHEMA_VC2, MAX_DEPTH,
};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::common::{context_iris, identity_matches};
pub use crate::model::common::{Context, ContextEntry, Extra, HasId, IdOr, OneOrMany};
use crate::model::ModelError;

/// The context of the Verifiable Credentials Data Model 1.1.
pub const VC_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
/// The context of the Verifiable Credentials Data Model 2.0.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The Open Badges 3.0 context URLs this crate recognises (3.0.0 through 3.0.3).
pub const OB3_CONTEXTS: [&str; 4] = [
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// Which Verifiable Credentials Data Model a credential declares in its `@context`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcVersion {
    /// VCDM 1.1 (`https://www.w3.org/2018/credentials/v1`): `issuanceDate`/`expirationDate`.
    V1_1,
    /// VCDM 2.0 (`https://www.w3.org/ns/credentials/v2`): `validFrom`/`validUntil`.
    V2_0,
    /// Neither context is present.
    Unknown,
}

fn vc_version_of(context: &Context) -> VcVersion {
    let iris = context_iris(context);
    if iris.contains(&VC_V2_CONTEXT) {
        VcVersion::V2_0
    } else if iris.contains(&VC_V1_CONTEXT) {
        VcVersion::V1_1
    } else {
        VcVersion::Unknown
    }
}

macro_rules! credential_common {
    ($($t:ty),*) => {$(
        crate::model::common::json_document!($t);

        impl $t {
            /// Whether `type` includes `t`.
            pub fn has_type(&self, t: &str) -> bool {
                self.type_.contains_str(t)
            }

            /// Which Verifiable Credentials Data Model the `@context` declares.
            pub fn vc_version(&self) -> VcVersion {
                vc_version_of(&self.context)
            }

            /// The Open Badges 3.0 context URL in `@context`, if one this crate knows is there.
            pub fn ob_context(&self) -> Option<&str> {
                context_iris(&self.context)
                    .into_iter()
                    .find(|c| OB3_CONTEXTS.contains(c))
            }

            /// Start of the validity period: `validFrom` (VCDM 2.0), else `issuanceDate` (1.1).
            pub fn valid_from(&self) -> Option<&str> {
                self.valid_from.as_deref().or(self.issuance_date.as_deref())
            }

            /// End of the validity period: `validUntil` (VCDM 2.0), else `expirationDate` (1.1).
            pub fn valid_until(&self) -> Option<&str> {
                self.valid_until.as_deref().or(self.expiration_date.as_deref())
            }

            /// [`Self::valid_from`] as Unix seconds, if present.
            ///
            /// # Errors
            /// [`ModelError::Date`] when present but not an ISO 8601 date-time.
            pub fn valid_from_unix(&self) -> Result<Option<i64>, ModelError> {
                self.valid_from().map(crate::model::v2::parse_date_text).transpose()
            }

            /// [`Self::valid_until`] as Unix seconds, if present.
            ///
            /// # Errors
            /// [`ModelError::Date`] when present but not an ISO 8601 date-time.
            pub fn valid_until_unix(&self) -> Result<Option<i64>, ModelError> {
                self.valid_until().map(crate::model::v2::parse_date_text).transpose()
            }

            /// The issuer's id (URL or DID), whether `issuer` is a string or a Profile.
            pub fn issuer_id(&self) -> Option<&str> {
                self.issuer.id()
            }

            /// The `credentialStatus` entries (none, one or several).
            pub fn credential_statuses(&self) -> &[CredentialStatus] {
                self.credential_status.as_ref().map_or(&[], OneOrMany::as_slice)
            }

            /// The embedded proofs (none, one or several).
            pub fn proofs(&self) -> &[Proof] {
                self.proof.as_ref().map_or(&[], OneOrMany::as_slice)
            }
        }
    )*};
}

/// An Open Badges 3.0 `OpenBadgeCredential`; `AchievementCredential` is the same class.
pub type OpenBadgeCredential = AchievementCredential;

/// A Verifiable Credential saying that its subject achieved an [`Achievement`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementCredential {
    /// VC context first, then an OB 3.0 context, then any extensions.
    #[serde(rename = "@context")]
    pub context: Context,
    /// The credential's id (a URL or `urn:uuid:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Must include `VerifiableCredential` and `OpenBadgeCredential` or `AchievementCredential`.
    #[serde(rename = "type")]
    pub type_: OneOrMany<String>,
    /// A display name for wallets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A display description for wallets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An image for the credential (a baked badge image, for instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<IdOr<Image>>,
    /// The recipient and what they achieved.
    pub credential_subject: AchievementSubject,
    /// Endorsements of this credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<Vec<EndorsementCredential>>,
    /// Endorsements as VC-JWT compact JWS strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_jwt: Option<Vec<String>>,
    /// Evidence of the achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<Evidence>>,
    /// Who issued the credential: a Profile, or just its URL or DID.
    pub issuer: IdOr<Profile>,
    /// VCDM 1.1 issuance date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance_date: Option<String>,
    /// VCDM 1.1 expiration date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// VCDM 2.0 start of validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// VCDM 2.0 end of validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// When the achievement was first awarded (kept across re-issues).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awarded_date: Option<String>,
    /// Embedded proofs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<OneOrMany<Proof>>,
    /// JSON Schemas the credential claims to follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_schema: Option<OneOrMany<CredentialSchema>>,
    /// Where to check revocation or suspension (VCDM 2.0 allows several entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<OneOrMany<CredentialStatus>>,
    /// A service to refresh the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_service: Option<Value>,
    /// Terms of use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_use: Option<Value>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

impl AchievementCredential {
    /// Whether `type` has `VerifiableCredential` and `OpenBadgeCredential` or
    /// `AchievementCredential`, as Open Badges 3.0 requires.
    pub fn is_open_badge_credential(&self) -> bool {
        self.has_type("VerifiableCredential")
            && (self.has_type("OpenBadgeCredential") || self.has_type("AchievementCredential"))
    }
}

/// A Verifiable Credential in which a third party endorses an issuer, achievement or credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndorsementCredential {
    /// VC context first, then an OB 3.0 context.
    #[serde(rename = "@context")]
    pub context: Context,
    /// The credential's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Must include `VerifiableCredential` and `EndorsementCredential`.
    #[serde(rename = "type")]
    pub type_: OneOrMany<String>,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A display description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What is endorsed and the endorser's comment.
    pub credential_subject: EndorsementSubject,
    /// The endorser.
    pub issuer: IdOr<Profile>,
    /// VCDM 1.1 issuance date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance_date: Option<String>,
    /// VCDM 1.1 expiration date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// VCDM 2.0 start of validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// VCDM 2.0 end of validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// When the endorsement was first awarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awarded_date: Option<String>,
    /// Embedded proofs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<OneOrMany<Proof>>,
    /// JSON Schemas the credential claims to follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_schema: Option<OneOrMany<CredentialSchema>>,
    /// Where to check revocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<OneOrMany<CredentialStatus>>,
    /// A refresh service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_service: Option<Value>,
    /// Terms of use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_use: Option<Value>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

impl EndorsementCredential {
    /// Whether `type` has `VerifiableCredential` and `EndorsementCredential`.
    pub fn is_endorsement_credential(&self) -> bool {
        self.has_type("VerifiableCredential") && self.has_type("EndorsementCredential")
    }
}

credential_common!(AchievementCredential, EndorsementCredential);

/// The subject of an [`EndorsementCredential`]: the endorsed entity and the comment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndorsementSubject {
    /// The id of the endorsed issuer, achievement or credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Must include `EndorsementSubject`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// The endorser's claim, in Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_comment: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The recipient of an [`AchievementCredential`] and what they achieved.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementSubject {
    /// The recipient's id, usually a DID; either this or `identifier` must be given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Must include `AchievementSubject`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// When the learning activity started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_start_date: Option<String>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_end_date: Option<String>,
    /// Credits earned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_earned: Option<f64>,
    /// The achievement (required by the specification; optional here so that incomplete
    /// credentials still parse and [`validate_schema`] can say what is missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement: Option<Achievement>,
    /// Identities of the recipient (e.g. a hashed email).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Vec<IdentityObject>>,
    /// An image of this award.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<IdOr<Image>>,
    /// A license number issued with the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_number: Option<String>,
    /// A narrative connecting the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Results achieved (grades, statuses, rubric levels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Vec<AchievementResult>>,
    /// The recipient's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The organisation that assessed the achievement, if not the issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Box<Profile>>,
    /// The academic term.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

impl AchievementSubject {
    /// Whether any of the subject's `identifier`s matches `candidate_identity`
    /// (see [`IdentityObject::matches`]).
    pub fn matches_identity(&self, candidate_identity: &str) -> bool {
        self.identifier
            .as_ref()
            .is_some_and(|ids| ids.iter().any(|i| i.matches(candidate_identity)))
    }
}

/// What was achieved: the 3.0 successor of the 2.0 BadgeClass.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Achievement {
    /// The achievement's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Must include `Achievement`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// Alignments to frameworks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    /// The kind of achievement (`Badge`, `Certificate`, `Degree`, … or `ext:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_type: Option<String>,
    /// Who created the achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<Box<Profile>>,
    /// Credits available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_available: Option<f64>,
    /// What earning it requires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<Criteria>,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Endorsements of the achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<Vec<EndorsementCredential>>,
    /// Endorsements as VC-JWTs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_jwt: Option<Vec<String>>,
    /// Field of study.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_of_study: Option<String>,
    /// A human-readable code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_code: Option<String>,
    /// The badge image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<IdOr<Image>>,
    /// The language (`@language`).
    #[serde(rename = "@language", default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The achievement's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Possible results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_description: Option<Vec<ResultDescription>>,
    /// A specialization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialization: Option<String>,
    /// Keywords.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Vec<String>>,
    /// A version string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Every other property (`otherIdentifier`, `related`, extensions), kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What earning an achievement requires.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Criteria {
    /// A page describing the criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The criteria in Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An issuer, creator, endorser or other entity.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The profile's id (URL or DID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Must include `Profile`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Endorsements of this profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<Vec<EndorsementCredential>>,
    /// Endorsements as VC-JWTs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_jwt: Option<Vec<String>>,
    /// Logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<IdOr<Image>>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// An authorised official of the organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official: Option<String>,
    /// The parent organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_org: Option<Box<Profile>>,
    /// Every other property (`address`, `otherIdentifier`, person names…), kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

impl HasId for Profile {
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// A result the recipient achieved: the OB 3.0 `Result` class (renamed here so that it does not
/// shadow [`std::result::Result`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementResult {
    /// Must include `Result`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// The id of the achieved RubricCriterionLevel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achieved_level: Option<String>,
    /// Alignments of this result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    /// The id of the [`ResultDescription`] this result answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_description: Option<String>,
    /// `Completed`, `Enrolled`, `Failed`, `InProgress`, `OnHold` or `Withdrew`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The value (a grade, a score).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A possible result of an achievement (a grade scale, a rubric, a status).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultDescription {
    /// Its id, referenced by results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Must include `ResultDescription`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// Alignments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    /// Allowed values, low to high.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_value: Option<Vec<String>>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The rubric level required to pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_level: Option<String>,
    /// The value required to pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_value: Option<String>,
    /// `LetterGrade`, `Percent`, `RubricCriterionLevel`, `Status`, … or `ext:…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<String>,
    /// Rubric levels, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rubric_criterion_level: Option<Vec<Value>>,
    /// Maximum value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_max: Option<String>,
    /// Minimum value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_min: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Evidence of an achievement: the same object in 3.0 as in 2.0 (`id`, `narrative`, `name`,
/// `description`, `genre`, `audience`).
pub use super::v2::Evidence;

/// An alignment to a framework node (CASE item, CTDL credential, …).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    /// Must include `Alignment`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// Code within the framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    /// Description of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    /// Name of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    /// Name of the framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    /// `CFItem`, `CTDL`, … or `ext:…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// URL of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An image with a caption.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Image {
    /// URL or data URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Image`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<OneOrMany<String>>,
    /// Caption (alt text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

impl HasId for Image {
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// An identity of the recipient: plain or hashed (`sha256$…`, `md5$…`) with an optional salt.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    /// `IdentityObject`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Whether `identityHash` is hashed.
    #[serde(default)]
    pub hashed: bool,
    /// The identity, or its hash.
    #[serde(default)]
    pub identity_hash: String,
    /// `emailAddress`, `sourcedId`, … or `ext:…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_type: Option<String>,
    /// Salt appended before hashing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

impl IdentityObject {
    /// Whether `candidate_identity` is this identity (hashes recomputed with the salt, hex
    /// compared case-insensitively; email addresses compared ASCII case-insensitively when
    /// plain). A malformed or unsupported hash never matches.
    pub fn matches(&self, candidate_identity: &str) -> bool {
        let email = self.identity_type.as_deref() == Some("emailAddress");
        identity_matches(
            &self.identity_hash,
            self.hashed,
            self.salt.as_deref(),
            candidate_identity,
            email,
        )
        .unwrap_or(false)
    }
}

/// Where and how to check a credential's revocation or suspension.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialStatus {
    /// The status entry's id (for `1EdTechRevocationList`, the list's URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `1EdTechRevocationList`, `BitstringStatusListEntry`, …
    #[serde(rename = "type")]
    pub type_: String,
    /// Every other property (for bitstring lists `statusPurpose`, `statusListIndex`,
    /// `statusListCredential`), kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

impl CredentialStatus {
    /// Whether this is the `1EdTechRevocationList` method the OB 3.0 specification names.
    pub fn is_1edtech_revocation_list(&self) -> bool {
        self.type_ == "1EdTechRevocationList"
    }

    /// Whether this is a W3C `BitstringStatusListEntry` (or its predecessor
    /// `StatusList2021Entry`).
    pub fn is_bitstring_status_list_entry(&self) -> bool {
        self.type_ == "BitstringStatusListEntry" || self.type_ == "StatusList2021Entry"
    }

    /// For bitstring lists: `statusPurpose` (`revocation` or `suspension`).
    pub fn status_purpose(&self) -> Option<&str> {
        self.extra.get("statusPurpose").and_then(Value::as_str)
    }

    /// For bitstring lists: `statusListIndex`, a decimal string (numbers are accepted too).
    pub fn status_list_index(&self) -> Option<u64> {
        match self.extra.get("statusListIndex")? {
            Value::String(s) => s.trim().parse().ok(),
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// For bitstring lists: `statusListCredential`, the URL of the status list credential.
    pub fn status_list_credential(&self) -> Option<&str> {
        self.extra
            .get("statusListCredential")
            .and_then(Value::as_str)
    }
}

/// A JSON Schema a credential claims to follow.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CredentialSchema {
    /// The schema's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `1EdTechJsonSchemaValidator2019` or `JsonSchema`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Every other property, kept as found.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An embedded proof, kept as the raw JSON object: [`crate::proof`] interprets and verifies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Proof(pub Extra);

impl Proof {
    fn str_field(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    /// The proof as a JSON value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }

    /// `type`, e.g. `DataIntegrityProof`.
    pub fn type_(&self) -> Option<&str> {
        self.str_field("type")
    }

    /// `cryptosuite`, e.g. `eddsa-rdfc-2022`.
    pub fn cryptosuite(&self) -> Option<&str> {
        self.str_field("cryptosuite")
    }

    /// `verificationMethod`: the key that signed.
    pub fn verification_method(&self) -> Option<&str> {
        self.str_field("verificationMethod")
    }

    /// `proofPurpose`, which must be `assertionMethod` for issued credentials.
    pub fn proof_purpose(&self) -> Option<&str> {
        self.str_field("proofPurpose")
    }

    /// `proofValue`: the multibase-encoded signature.
    pub fn proof_value(&self) -> Option<&str> {
        self.str_field("proofValue")
    }

    /// `created`: when the proof was made.
    pub fn created(&self) -> Option<&str> {
        self.str_field("created")
    }
}
