//! Awards: the community gives one of its badge classes to a member or to an email address,
//! and publishes a signed Open Badges 3.0 credential for it (plus an OB 2.0 hosted assertion).
//!
//! An award is written whole or not at all: its row (with the signed credential and its status
//! list index) is inserted in one transaction, with the recipient's notification. Status list
//! indices are given out in order; two processes racing for the same index make one of them
//! retry (the column is unique).

use ed25519_dalek::SigningKey;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::badge_classes::{self, BadgeClass};
use super::documents;
use super::issuer_profile::{self, IssuerProfile};
use crate::store::{now, Db, Row as AnyRow, Tx};
use crate::web::AppState;

/// A link offered as evidence (a forum post, a project page...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceLink {
    pub url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct Award {
    /// A UUID: the award's part of its public URLs.
    pub id: String,
    pub badge_class_id: i64,
    pub badge_name: String,
    pub recipient_user_id: Option<i64>,
    pub recipient_username: Option<String>,
    pub recipient_email: String,
    pub recipient_name: String,
    pub recipient_salt: String,
    pub narrative: String,
    pub evidence: Vec<EvidenceLink>,
    pub status_index: i64,
    /// The signed OB 3.0 credential, exactly as served.
    pub credential: String,
    pub awarded_by: Option<i64>,
    pub rule_id: Option<i64>,
    pub issued_at: i64,
    pub revoked_at: Option<i64>,
    pub revocation_reason: String,
    pub hidden_at: Option<i64>,
}

/// What an award needs from whoever makes it.
#[derive(Clone, Debug, Default)]
pub struct NewAward {
    pub badge_class_id: i64,
    /// A member, when the recipient is one (their email is used for the credential).
    pub recipient_user_id: Option<i64>,
    pub recipient_email: String,
    pub recipient_name: String,
    pub narrative: String,
    pub evidence: Vec<EvidenceLink>,
    pub awarded_by: Option<i64>,
    /// The award rule that made it, for automatic awards.
    pub rule_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum AwardError {
    #[error("there is no badge class {0}")]
    NoSuchBadge(i64),
    #[error("{0:?} is not an email address")]
    InvalidEmail(String),
    #[error("the evidence link {0:?} is not an http(s) URL")]
    InvalidEvidence(String),
    #[error("the credential could not be signed: {0}")]
    Signing(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Makes an award: checks the input, signs the credential, stores it. Returns the stored award.
pub async fn award(state: &AppState, new: NewAward) -> Result<Award, AwardError> {
    let prepared = prepare(state, new, &mut Lookups::default()).await?;
    let mut tx = state.db.begin().await?;
    let award = store(state, &mut tx, prepared).await?;
    tx.commit().await?;
    Ok(award)
}

/// An award checked and looked up, ready to be signed and stored.
pub struct Prepared {
    award: Award,
    class: BadgeClass,
    profile: IssuerProfile,
}

/// What preparing awards reads from the database, kept across the awards of one batch.
#[derive(Default)]
pub struct Lookups {
    classes: Vec<BadgeClass>,
    profile: Option<IssuerProfile>,
}

/// Checks an award's input and reads what signing it needs (through `lookups`); writes nothing.
pub async fn prepare(
    state: &AppState,
    new: NewAward,
    lookups: &mut Lookups,
) -> Result<Prepared, AwardError> {
    let email = normalise_email(&new.recipient_email)
        .ok_or_else(|| AwardError::InvalidEmail(new.recipient_email.clone()))?;
    for link in &new.evidence {
        if !badge_classes::is_http_url(&link.url) {
            return Err(AwardError::InvalidEvidence(link.url.clone()));
        }
    }
    let class = match lookups.classes.iter().find(|c| c.id == new.badge_class_id) {
        Some(class) => class.clone(),
        None => {
            let class = badge_classes::get(&state.db, new.badge_class_id)
                .await?
                .ok_or(AwardError::NoSuchBadge(new.badge_class_id))?;
            lookups.classes.push(class.clone());
            class
        }
    };
    let profile = match &lookups.profile {
        Some(profile) => profile.clone(),
        None => {
            let profile = issuer_profile::get(state).await?;
            lookups.profile = Some(profile.clone());
            profile
        }
    };
    let recipient_username = match new.recipient_user_id {
        Some(user) => username_of(&state.db, user).await?,
        None => None,
    };
    let award = Award {
        id: new_id(),
        badge_class_id: class.id,
        badge_name: class.name.clone(),
        recipient_user_id: new.recipient_user_id,
        recipient_username,
        recipient_email: email,
        recipient_name: new.recipient_name.trim().to_owned(),
        recipient_salt: random_hex(16),
        narrative: new.narrative.trim().to_owned(),
        evidence: new.evidence,
        status_index: 0,
        credential: String::new(),
        awarded_by: new.awarded_by,
        rule_id: new.rule_id,
        issued_at: now(),
        revoked_at: None,
        revocation_reason: String::new(),
        hidden_at: None,
    };
    Ok(Prepared {
        award,
        class,
        profile,
    })
}

/// Signs and stores a prepared award inside `tx` (status index, credential, row, notification),
/// so that callers can keep their own records of it in the same transaction (bulk awards,
/// rules). The status index comes from a counter row whose lock queues concurrent awards.
pub async fn store(state: &AppState, tx: &mut Tx, prepared: Prepared) -> Result<Award, AwardError> {
    let Prepared {
        mut award,
        class,
        profile,
    } = prepared;
    let row = sqlx::query(
        "UPDATE status_index_counter SET next_index = next_index + 1 WHERE id = 1
         RETURNING next_index - 1 AS reserved",
    )
    .fetch_one(&mut **tx)
    .await?;
    award.status_index = row.try_get("reserved")?;
    award.credential = signed_credential(state, &award, &class, &profile)?;
    insert(tx, &award).await?;
    if let Some(user) = award.recipient_user_id {
        crate::notifications::notify_award(tx, user, &award.id, award.awarded_by).await?;
    }
    Ok(award)
}

fn signed_credential(
    state: &AppState,
    award: &Award,
    class: &BadgeClass,
    profile: &IssuerProfile,
) -> Result<String, AwardError> {
    let achievement = badge_classes::ob3_achievement(state, class);
    let unsigned = documents::ob3_credential(state, award, achievement, profile);
    let (key, method): (&SigningKey, &str) = state.issuer.signing_key();
    let signed = openbadges::proof::data_integrity::sign(
        &unsigned,
        key,
        method,
        &crate::web::Stamp(award.issued_at).iso(),
    )
    .map_err(|e| AwardError::Signing(e.to_string()))?;
    serde_json::to_string(&signed).map_err(|e| AwardError::Signing(e.to_string()))
}

async fn insert(tx: &mut sqlx::AnyConnection, award: &Award) -> Result<(), sqlx::Error> {
    let evidence = serde_json::to_string(&award.evidence).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "INSERT INTO awards (id, badge_class_id, recipient_user_id, recipient_email, recipient_name,
             recipient_salt, narrative, evidence, status_index, credential, awarded_by, rule_id,
             issued_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&award.id)
    .bind(award.badge_class_id)
    .bind(award.recipient_user_id)
    .bind(&award.recipient_email)
    .bind(&award.recipient_name)
    .bind(&award.recipient_salt)
    .bind(&award.narrative)
    .bind(evidence)
    .bind(award.status_index)
    .bind(&award.credential)
    .bind(award.awarded_by)
    .bind(award.rule_id)
    .bind(award.issued_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const SELECT: &str = "SELECT a.id, a.badge_class_id, b.name AS badge_name, a.recipient_user_id,
        u.username AS recipient_username, a.recipient_email, a.recipient_name, a.recipient_salt,
        a.narrative, a.evidence, a.status_index, a.credential, a.awarded_by, a.rule_id, a.issued_at,
        a.revoked_at, a.revocation_reason, a.hidden_at
    FROM awards a JOIN badge_classes b ON b.id = a.badge_class_id
    LEFT JOIN users u ON u.id = a.recipient_user_id";

fn from_row(row: &AnyRow) -> Result<Award, sqlx::Error> {
    let evidence: String = row.try_get("evidence")?;
    Ok(Award {
        id: row.try_get("id")?,
        badge_class_id: row.try_get("badge_class_id")?,
        badge_name: row.try_get("badge_name")?,
        recipient_user_id: row.try_get("recipient_user_id")?,
        recipient_username: row.try_get("recipient_username")?,
        recipient_email: row.try_get("recipient_email")?,
        recipient_name: row.try_get("recipient_name")?,
        recipient_salt: row.try_get("recipient_salt")?,
        narrative: row.try_get("narrative")?,
        evidence: serde_json::from_str(&evidence).unwrap_or_default(),
        status_index: row.try_get("status_index")?,
        credential: row.try_get("credential")?,
        awarded_by: row.try_get("awarded_by")?,
        rule_id: row.try_get("rule_id")?,
        issued_at: row.try_get("issued_at")?,
        revoked_at: row.try_get("revoked_at")?,
        revocation_reason: row.try_get("revocation_reason")?,
        hidden_at: row.try_get("hidden_at")?,
    })
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Award>, sqlx::Error> {
    sqlx::query(&format!("{SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .map(|row| from_row(&row))
        .transpose()
}

/// A member's awards, newest first; `include_hidden` for the member themself.
pub async fn of_member(
    db: &Db,
    user_id: i64,
    include_hidden: bool,
) -> Result<Vec<Award>, sqlx::Error> {
    let hidden = if include_hidden {
        ""
    } else {
        " AND a.hidden_at IS NULL"
    };
    sqlx::query(&format!(
        "{SELECT} WHERE a.recipient_user_id = $1{hidden} ORDER BY a.issued_at DESC, a.id"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The awards of one badge class, newest first.
pub async fn of_badge_class(db: &Db, badge_class_id: i64) -> Result<Vec<Award>, sqlx::Error> {
    sqlx::query(&format!(
        "{SELECT} WHERE a.badge_class_id = $1 ORDER BY a.issued_at DESC, a.id"
    ))
    .bind(badge_class_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Revokes an award (once: a second revocation changes nothing). Returns whether it existed.
pub async fn revoke(db: &Db, id: &str, reason: &str, revoked_by: i64) -> Result<bool, sqlx::Error> {
    let exists = sqlx::query("SELECT 1 AS one FROM awards WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .is_some();
    if exists {
        sqlx::query(
            "UPDATE awards SET revoked_at = $2, revocation_reason = $3, revoked_by = $4
             WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(now())
        .bind(reason.trim())
        .bind(revoked_by)
        .execute(db.pool())
        .await?;
    }
    Ok(exists)
}

/// Shows or hides an award on its recipient's profile; false when `user_id` is not its recipient.
pub async fn set_hidden(
    db: &Db,
    id: &str,
    user_id: i64,
    hidden: bool,
) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("UPDATE awards SET hidden_at = $3 WHERE id = $1 AND recipient_user_id = $2")
            .bind(id)
            .bind(user_id)
            .bind(hidden.then(now))
            .execute(db.pool())
            .await?;
    Ok(result.rows_affected() == 1)
}

/// The revoked status indices of one status list.
pub async fn revoked_indices(db: &Db, list: i64) -> Result<Vec<i64>, sqlx::Error> {
    let size = documents::STATUS_LIST_SIZE;
    sqlx::query(
        "SELECT status_index FROM awards
         WHERE revoked_at IS NOT NULL AND status_index >= $1 AND status_index < $2
         ORDER BY status_index",
    )
    .bind(list * size)
    .bind((list + 1) * size)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|row| row.try_get("status_index"))
    .collect()
}

/// Whether status list `list` has any index given out (lists past the last one do not exist);
/// list 0 exists from the start.
pub async fn status_list_exists(db: &Db, list: i64) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT next_index FROM status_index_counter WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    let next: i64 = row.try_get("next_index")?;
    Ok(list >= 0 && list <= (next - 1).max(0) / documents::STATUS_LIST_SIZE)
}

/// A member who can receive an award: id, username and email address.
pub struct Recipient {
    pub id: i64,
    pub username: String,
    pub email: String,
}

/// The member with this username, or with this email address when `who` contains `@`.
pub async fn find_member(db: &Db, who: &str) -> Result<Option<Recipient>, sqlx::Error> {
    // An address counts only once its owner confirmed it: anyone can sign up with any address.
    let condition = if who.contains('@') {
        "email_key = $1 AND email_confirmed_at IS NOT NULL"
    } else {
        "username_key = $1"
    };
    sqlx::query(&format!(
        "SELECT id, username, email FROM users WHERE {condition}"
    ))
    .bind(who.trim().to_lowercase())
    .fetch_optional(db.pool())
    .await?
    .map(|row| {
        Ok(Recipient {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            email: row.try_get("email")?,
        })
    })
    .transpose()
}

async fn username_of(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT username FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?
        .map(|row| row.try_get("username"))
        .transpose()
}

/// The address in lower case, when it is one by the accounts' rule and has a single `@`.
pub fn normalise_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let valid = crate::accounts::model::email_problem(&email).is_none()
        && email.matches('@').count() == 1
        && !email
            .split_once('@')
            .is_some_and(|(_, domain)| domain.ends_with('.'));
    valid.then_some(email)
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
