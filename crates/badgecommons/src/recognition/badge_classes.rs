//! Badge classes: what the community recognises (an Open Badges 3.0 `Achievement`, an Open
//! Badges 2.0 `BadgeClass`), with their checks, their queries and their two JSON-LD forms.
//!
//! A badge class has a name, a description, criteria (Markdown, rendered with the project's one
//! sanitising policy, and/or a criteria URL), an image (checked by `images`), tags, alignments to
//! educational frameworks, and may be "peer-awardable": any member may then award it to another.
//! Tags and alignments are stored as JSON arrays in text columns, the image as bytes with its
//! media type; "peer-awardable" is the time it became so (the schema's yes/no convention).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::images::CheckedImage;
use crate::store::{now, Db};
use crate::web::{AppState, Stamp};

/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// The longest criteria text (Markdown), in characters.
pub const MAX_CRITERIA_CHARS: usize = 20_000;
/// The most tags a badge class may have, and the longest tag.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;
/// The most alignments a badge class may have.
pub const MAX_ALIGNMENTS: usize = 20;
/// The longest URL accepted (criteria, alignment targets).
const MAX_URL_CHARS: usize = 2_000;

/// An alignment to a node of an educational framework or standard (OB 2.0 `AlignmentObject`,
/// OB 3.0 `Alignment`), as stored and as the API takes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    pub target_name: String,
    pub target_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
}

/// A stored badge class, with how many times it has been awarded (revoked awards not counted).
#[derive(Clone, Debug)]
pub struct BadgeClass {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// What earning it takes, in Markdown (may be empty when `criteria_url` is given).
    pub criteria: String,
    /// A page describing the criteria; empty when there is none.
    pub criteria_url: String,
    pub image_type: String,
    pub tags: Vec<String>,
    pub alignments: Vec<Alignment>,
    /// Any member may award it to another.
    pub peer_awardable: bool,
    pub created_by: Option<i64>,
    pub created: Stamp,
    pub updated: Stamp,
    /// Awards of it that are not revoked.
    pub awarded: i64,
}

impl BadgeClass {
    /// `/badges/{id}`: the badge class's page (and its OB 3.0 id).
    pub fn path(&self) -> String {
        badge_path(self.id)
    }

    /// `/badges/{id}/image`.
    pub fn image_path(&self) -> String {
        format!("{}/image", self.path())
    }

    /// The criteria rendered to sanitised HTML.
    pub fn criteria_html(&self) -> String {
        syndication::markdown::render(&self.criteria, "/u/").html
    }

    /// The tags as the form shows them: comma-separated.
    pub fn tags_text(&self) -> String {
        self.tags.join(", ")
    }

    /// The alignments as the form shows them: one per line (see [`parse_alignments`]).
    pub fn alignments_text(&self) -> String {
        self.alignments
            .iter()
            .map(|a| {
                let mut parts = vec![a.target_name.as_str(), a.target_url.as_str()];
                let optional = [&a.target_description, &a.target_framework, &a.target_code];
                let last = optional
                    .iter()
                    .rposition(|o| o.is_some())
                    .map_or(0, |i| i + 1);
                parts.extend(optional[..last].iter().map(|o| o.as_deref().unwrap_or("")));
                parts.join(" | ")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `/badges/{id}`.
pub fn badge_path(id: i64) -> String {
    format!("/badges/{id}")
}

/// What a person gives when creating or editing a badge class (the image apart).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BadgeClassFields {
    pub name: String,
    pub description: String,
    pub criteria: String,
    pub criteria_url: String,
    pub tags: Vec<String>,
    pub alignments: Vec<Alignment>,
    pub peer_awardable: bool,
}

impl BadgeClassFields {
    /// The fields trimmed and checked; the error names the first problem for the person.
    pub fn checked(mut self) -> Result<BadgeClassFields, String> {
        self.name = self.name.trim().to_string();
        self.description = self.description.trim().to_string();
        self.criteria = self.criteria.trim().to_string();
        self.criteria_url = self.criteria_url.trim().to_string();
        let texts = [
            &self.name,
            &self.description,
            &self.criteria,
            &self.criteria_url,
        ];
        if texts.iter().any(|t| t.contains('\0')) {
            return Err("Text must not contain NUL characters.".to_string());
        }
        if self.name.is_empty() {
            return Err("Give the badge a name.".to_string());
        }
        too_long("name", &self.name, MAX_NAME_CHARS)?;
        if self.description.is_empty() {
            return Err("Describe the badge: the description is required.".to_string());
        }
        too_long("description", &self.description, MAX_DESCRIPTION_CHARS)?;
        too_long("criteria", &self.criteria, MAX_CRITERIA_CHARS)?;
        if !self.criteria_url.is_empty() && !is_http_url(&self.criteria_url) {
            return Err(format!(
                "The criteria URL {:?} is not an http:// or https:// address.",
                shorten(&self.criteria_url)
            ));
        }
        if self.criteria.is_empty() && self.criteria_url.is_empty() {
            return Err(
                "Say what earning the badge takes: write the criteria or give a criteria URL."
                    .to_string(),
            );
        }
        self.tags = clean_tags(self.tags.iter().map(String::as_str))?;
        if self.alignments.len() > MAX_ALIGNMENTS {
            return Err(format!(
                "A badge may have at most {MAX_ALIGNMENTS} alignments; there are {}.",
                self.alignments.len()
            ));
        }
        self.alignments = self
            .alignments
            .into_iter()
            .enumerate()
            .map(|(n, a)| checked_alignment(a).map_err(|e| format!("Alignment {}: {e}", n + 1)))
            .collect::<Result<_, _>>()?;
        Ok(self)
    }
}

fn too_long(what: &str, text: &str, max: usize) -> Result<(), String> {
    let chars = text.chars().count();
    if chars > max {
        Err(format!(
            "The {what} is {chars} characters long; at most {max} are allowed."
        ))
    } else {
        Ok(())
    }
}

/// The first characters of a long value, for a message.
fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// Whether `text` is an absolute `http(s)` URL with a host.
pub fn is_http_url(text: &str) -> bool {
    text.chars().count() <= MAX_URL_CHARS
        && url::Url::parse(text).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        })
}

/// Tags trimmed, empty ones left out, duplicates kept once, in their first order.
fn clean_tags<'a>(tags: impl Iterator<Item = &'a str>) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags.map(str::trim).filter(|t| !t.is_empty()) {
        if tag.contains('\0') {
            return Err("Text must not contain NUL characters.".to_string());
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(format!(
                "The tag {:?} is longer than {MAX_TAG_CHARS} characters.",
                shorten(tag)
            ));
        }
        if !out.iter().any(|t| t == tag) {
            out.push(tag.to_string());
        }
    }
    if out.len() > MAX_TAGS {
        return Err(format!(
            "A badge may have at most {MAX_TAGS} tags; there are {}.",
            out.len()
        ));
    }
    Ok(out)
}

/// The tags of the form's comma-separated field.
pub fn parse_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// The alignments of the form's field: one per line, `name | url`, optionally followed by
/// `| description | framework | code`. Blank lines are skipped.
pub fn parse_alignments(text: &str) -> Result<Vec<Alignment>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        if parts.len() < 2 || parts.len() > 5 {
            return Err(format!(
                "Alignment line {} should read “name | URL” (optionally followed by \
                 “| description | framework | code”): {:?}",
                n + 1,
                shorten(line.trim())
            ));
        }
        let optional = |i: usize| {
            parts
                .get(i)
                .filter(|p| !p.is_empty())
                .map(|p| p.to_string())
        };
        out.push(Alignment {
            target_name: parts[0].to_string(),
            target_url: parts[1].to_string(),
            target_description: optional(2),
            target_framework: optional(3),
            target_code: optional(4),
        });
    }
    Ok(out)
}

fn checked_alignment(mut a: Alignment) -> Result<Alignment, String> {
    let trim = |o: Option<String>| o.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    a.target_name = a.target_name.trim().to_string();
    a.target_url = a.target_url.trim().to_string();
    a.target_description = trim(a.target_description);
    a.target_framework = trim(a.target_framework);
    a.target_code = trim(a.target_code);
    let optional = [&a.target_description, &a.target_framework, &a.target_code];
    if a.target_name.contains('\0')
        || a.target_url.contains('\0')
        || optional
            .iter()
            .any(|o| o.as_ref().is_some_and(|s| s.contains('\0')))
    {
        return Err("text must not contain NUL characters.".to_string());
    }
    if a.target_name.is_empty() {
        return Err("the target's name is missing.".to_string());
    }
    if !is_http_url(&a.target_url) {
        return Err(format!(
            "the target URL {:?} is not an http:// or https:// address.",
            shorten(&a.target_url)
        ));
    }
    too_long("target name", &a.target_name, 200)?;
    for (what, value, max) in [
        (
            "target description",
            &a.target_description,
            MAX_DESCRIPTION_CHARS,
        ),
        ("target framework", &a.target_framework, 200),
        ("target code", &a.target_code, 100),
    ] {
        if let Some(value) = value {
            too_long(what, value, max)?;
        }
    }
    Ok(a)
}

// ---------------------------------------------------------------------------------------------
// Queries

const COLUMNS: &str = "b.id, b.name, b.description, b.criteria, b.criteria_url, b.image_type, \
     b.tags, b.alignments, b.peer_awardable_at, b.created_by, b.created_at, b.updated_at, \
     (SELECT COUNT(*) FROM awards a WHERE a.badge_class_id = b.id AND a.revoked_at IS NULL) AS awarded";

fn from_row(row: &AnyRow) -> Result<BadgeClass, sqlx::Error> {
    // The JSON columns are written only by this module; a damaged one reads as empty rather
    // than making the badge unreadable.
    let tags: String = row.try_get("tags")?;
    let alignments: String = row.try_get("alignments")?;
    Ok(BadgeClass {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        criteria: row.try_get("criteria")?,
        criteria_url: row.try_get("criteria_url")?,
        image_type: row.try_get("image_type")?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        alignments: serde_json::from_str(&alignments).unwrap_or_default(),
        peer_awardable: row
            .try_get::<Option<i64>, _>("peer_awardable_at")?
            .is_some(),
        created_by: row.try_get("created_by")?,
        created: Stamp(row.try_get("created_at")?),
        updated: Stamp(row.try_get("updated_at")?),
        awarded: row.try_get("awarded")?,
    })
}

fn json_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_string())
}

/// Stores a new badge class (its fields already [`checked`](BadgeClassFields::checked)) and
/// returns its id.
pub async fn create(
    db: &Db,
    fields: &BadgeClassFields,
    image: &CheckedImage,
    created_by: i64,
) -> Result<i64, sqlx::Error> {
    let at = now();
    let row = sqlx::query(
        "INSERT INTO badge_classes (name, description, criteria, criteria_url, image, image_type, \
         tags, alignments, peer_awardable_at, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(&fields.name)
    .bind(&fields.description)
    .bind(&fields.criteria)
    .bind(&fields.criteria_url)
    .bind(image.bytes.as_slice())
    .bind(image.content_type())
    .bind(json_text(&fields.tags))
    .bind(json_text(&fields.alignments))
    .bind(fields.peer_awardable.then_some(at))
    .bind(created_by)
    .bind(at)
    .fetch_one(db.pool())
    .await?;
    row.try_get("id")
}

/// Changes a badge class's fields, and its image when a new one is given (else it keeps its
/// image). Returns whether the badge class exists.
///
/// Awards already made keep the achievement as it was when they were signed; this changes the
/// page, the hosted OB 2.0 BadgeClass and future awards.
pub async fn update(
    db: &Db,
    id: i64,
    fields: &BadgeClassFields,
    image: Option<&CheckedImage>,
) -> Result<bool, sqlx::Error> {
    let at = now();
    // A badge that stays peer-awardable keeps the time it became so.
    let result = sqlx::query(
        "UPDATE badge_classes SET name = $1, description = $2, criteria = $3, criteria_url = $4, \
         tags = $5, alignments = $6, \
         peer_awardable_at = CASE WHEN $7 = 1 THEN COALESCE(peer_awardable_at, $8) ELSE NULL END, \
         updated_at = $8 WHERE id = $9",
    )
    .bind(&fields.name)
    .bind(&fields.description)
    .bind(&fields.criteria)
    .bind(&fields.criteria_url)
    .bind(json_text(&fields.tags))
    .bind(json_text(&fields.alignments))
    .bind(i64::from(fields.peer_awardable))
    .bind(at)
    .bind(id)
    .execute(db.pool())
    .await?;
    if result.rows_affected() == 0 {
        return Ok(false);
    }
    if let Some(image) = image {
        sqlx::query("UPDATE badge_classes SET image = $1, image_type = $2 WHERE id = $3")
            .bind(image.bytes.as_slice())
            .bind(image.content_type())
            .bind(id)
            .execute(db.pool())
            .await?;
    }
    Ok(true)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<BadgeClass>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM badge_classes b WHERE b.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every badge class, newest first.
pub async fn list(db: &Db) -> Result<Vec<BadgeClass>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM badge_classes b ORDER BY b.created_at DESC, b.id DESC"
    ))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// The image of a badge class and its media type.
pub async fn image(db: &Db, id: i64) -> Result<Option<(Vec<u8>, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT image, image_type FROM badge_classes WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.map(|row| Ok((row.try_get("image")?, row.try_get("image_type")?)))
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// Open Badges documents

/// The context of an Open Badges 2.0 document.
pub const OB2_CONTEXT: &str = "https://w3id.org/openbadges/v2";
/// The contexts of a standalone Open Badges 3.0 document: VC 2.0, then OB 3.0.3.
pub const OB3_CONTEXTS: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// `/badges/{id}/ob2.json`: where the OB 2.0 BadgeClass is hosted, and so its id.
pub fn ob2_path(id: i64) -> String {
    format!("{}/ob2.json", badge_path(id))
}

/// The criteria object both versions share: the narrative and/or the page.
fn criteria_json(class: &BadgeClass) -> Value {
    let mut criteria = serde_json::Map::new();
    if !class.criteria_url.is_empty() {
        criteria.insert("id".to_string(), json!(class.criteria_url));
    }
    if !class.criteria.is_empty() {
        criteria.insert("narrative".to_string(), json!(class.criteria));
    }
    Value::Object(criteria)
}

/// The Open Badges 2.0 BadgeClass, as hosted at `/badges/{id}/ob2.json` (its `id`, as hosted
/// verification requires), naming the issuer's OB 2.0 Profile.
pub fn ob2_badge_class(state: &AppState, class: &BadgeClass) -> Value {
    let mut doc = json!({
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": state.url(&ob2_path(class.id)),
        "name": class.name,
        "description": class.description,
        "image": state.url(&class.image_path()),
        "criteria": criteria_json(class),
        "issuer": state.url("/issuer/ob2.json"),
    });
    if !class.tags.is_empty() {
        doc["tags"] = json!(class.tags);
    }
    if !class.alignments.is_empty() {
        doc["alignment"] = json!(class.alignments);
    }
    doc
}

/// The Open Badges 3.0 Achievement, without `@context`, so that credentials can embed it as it
/// is; its `id` is the badge class's page. `/badges/{id}/ob3.json` serves it with the contexts.
pub fn ob3_achievement(state: &AppState, class: &BadgeClass) -> Value {
    let mut doc = json!({
        "id": state.url(&class.path()),
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": class.name,
        "description": class.description,
        "criteria": criteria_json(class),
        "image": {
            "id": state.url(&class.image_path()),
            "type": "Image",
            "caption": class.name,
        },
    });
    if !class.tags.is_empty() {
        doc["tag"] = json!(class.tags);
    }
    if !class.alignments.is_empty() {
        let alignments: Vec<Value> = class
            .alignments
            .iter()
            .map(|a| {
                let mut value = json!(a);
                value["type"] = json!(["Alignment"]);
                value
            })
            .collect();
        doc["alignment"] = Value::Array(alignments);
    }
    doc
}

/// The standalone OB 3.0 Achievement document: [`ob3_achievement`] with the VC 2.0 and
/// OB 3.0.3 contexts.
pub fn ob3_achievement_document(state: &AppState, class: &BadgeClass) -> Value {
    let mut doc = serde_json::Map::new();
    doc.insert("@context".to_string(), json!(OB3_CONTEXTS));
    if let Value::Object(fields) = ob3_achievement(state, class) {
        doc.extend(fields);
    }
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> BadgeClassFields {
        BadgeClassFields {
            name: "  Helper ".into(),
            description: "Helps others.".into(),
            criteria: "Answer ten questions.".into(),
            ..BadgeClassFields::default()
        }
    }

    #[test]
    fn fields_are_trimmed_and_checked() {
        let checked = fields().checked().expect("valid");
        assert_eq!(checked.name, "Helper");
        let problem = |f: BadgeClassFields| f.checked().expect_err("invalid");
        assert!(problem(BadgeClassFields {
            name: " ".into(),
            ..fields()
        })
        .contains("name"));
        assert!(problem(BadgeClassFields {
            description: String::new(),
            ..fields()
        })
        .contains("description"));
        assert!(problem(BadgeClassFields {
            criteria: String::new(),
            ..fields()
        })
        .contains("criteria"));
        assert!(problem(BadgeClassFields {
            criteria_url: "javascript:alert(1)".into(),
            ..fields()
        })
        .contains("http"));
        assert!(BadgeClassFields {
            criteria: String::new(),
            criteria_url: "https://example.org/criteria".into(),
            ..fields()
        }
        .checked()
        .is_ok());
        assert!(problem(BadgeClassFields {
            name: "x".repeat(101),
            ..fields()
        })
        .contains("101"));
    }

    #[test]
    fn tags_are_trimmed_non_empty_and_unique() {
        let checked = BadgeClassFields {
            tags: parse_tags(" rust, , community ,rust,"),
            ..fields()
        }
        .checked()
        .expect("valid");
        assert_eq!(checked.tags, ["rust", "community"]);
    }

    #[test]
    fn alignments_read_one_per_line_and_round_trip() {
        let text = "Teamwork | https://example.org/t\n\n  Code review | https://example.org/c | Reviews code | ESCO | S1.2 ";
        let alignments = parse_alignments(text).expect("parsed");
        assert_eq!(alignments.len(), 2);
        assert_eq!(alignments[1].target_code.as_deref(), Some("S1.2"));
        let checked = BadgeClassFields {
            alignments: alignments.clone(),
            ..fields()
        }
        .checked()
        .expect("valid");
        let class = BadgeClass {
            id: 1,
            name: checked.name,
            description: checked.description,
            criteria: checked.criteria,
            criteria_url: String::new(),
            image_type: "image/png".into(),
            tags: vec![],
            alignments: checked.alignments,
            peer_awardable: false,
            created_by: None,
            created: Stamp(0),
            updated: Stamp(0),
            awarded: 0,
        };
        assert_eq!(
            parse_alignments(&class.alignments_text()).expect("again"),
            alignments
        );
        assert!(parse_alignments("just a name").is_err());
        let bad_url = BadgeClassFields {
            alignments: parse_alignments("X | ftp://example.org").expect("parsed"),
            ..fields()
        };
        assert!(bad_url
            .checked()
            .expect_err("bad url")
            .starts_with("Alignment 1"));
    }
}
