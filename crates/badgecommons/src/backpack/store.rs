//! The backpack's queries: imported badges with their stored verification, and collections.
//!
//! Every query that acts on a member's thing names the member (`user_id`), so that one member's
//! ids never reach another's badges or collections: a foreign id simply matches no row.

use sqlx::Row;

use crate::store::{now, Db, Row as AnyRow, Tx};

/// One imported badge, as stored.
#[derive(Clone, Debug)]
pub struct ImportedBadge {
    pub id: i64,
    pub user_id: i64,
    /// `url`, `json`, `jwt` or `image`.
    pub source: String,
    /// The URL, the credential JSON or JWT, or the payload baked into the image.
    pub payload: String,
    pub image_type: Option<String>,
    pub format: String,
    /// When the last verification found it valid; `None` when it did not.
    pub valid_at: Option<i64>,
    /// The last verification report, as JSON.
    pub report: String,
    pub badge_name: String,
    pub issuer_name: String,
    pub issued: String,
    pub expires: String,
    pub revoked_at: Option<i64>,
    pub verified_at: i64,
    pub hidden_at: Option<i64>,
    pub created_at: i64,
}

/// What an import or a re-verification writes.
pub struct Verified {
    pub format: String,
    pub valid: bool,
    pub revoked: bool,
    pub report: String,
    pub badge_name: String,
    pub issuer_name: String,
    pub issued: String,
    pub expires: String,
}

/// A new row: where it came from and what the verification found.
pub struct NewImport {
    pub user_id: i64,
    pub source: &'static str,
    pub payload: String,
    pub image: Option<(Vec<u8>, String)>,
    pub verified: Verified,
}

const COLUMNS: &str =
    "id, user_id, source, payload, image_type, format, valid_at, report, badge_name,
    issuer_name, issued, expires, revoked_at, verified_at, hidden_at, created_at";

fn from_row(row: &AnyRow) -> Result<ImportedBadge, sqlx::Error> {
    Ok(ImportedBadge {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        source: row.try_get("source")?,
        payload: row.try_get("payload")?,
        image_type: row.try_get("image_type")?,
        format: row.try_get("format")?,
        valid_at: row.try_get("valid_at")?,
        report: row.try_get("report")?,
        badge_name: row.try_get("badge_name")?,
        issuer_name: row.try_get("issuer_name")?,
        issued: row.try_get("issued")?,
        expires: row.try_get("expires")?,
        revoked_at: row.try_get("revoked_at")?,
        verified_at: row.try_get("verified_at")?,
        hidden_at: row.try_get("hidden_at")?,
        created_at: row.try_get("created_at")?,
    })
}

/// How many badges a member has imported.
pub async fn count(tx: &mut Tx, user_id: i64) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM backpack_badges WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
    row.try_get("n")
}

/// Stores an import, hidden from the profile until the member shows it; returns its id.
pub async fn insert(tx: &mut Tx, new: NewImport) -> Result<i64, sqlx::Error> {
    let at = now();
    let v = &new.verified;
    let (image, image_type) = match new.image {
        Some((bytes, kind)) => (Some(bytes), Some(kind)),
        None => (None, None),
    };
    let row = sqlx::query(
        "INSERT INTO backpack_badges (user_id, source, payload, image, image_type, format, valid_at,
             report, badge_name, issuer_name, issued, expires, revoked_at, verified_at, hidden_at,
             created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         RETURNING id",
    )
    .bind(new.user_id)
    .bind(new.source)
    .bind(&new.payload)
    .bind(image)
    .bind(image_type)
    .bind(&v.format)
    .bind(v.valid.then_some(at))
    .bind(&v.report)
    .bind(&v.badge_name)
    .bind(&v.issuer_name)
    .bind(&v.issued)
    .bind(&v.expires)
    .bind(v.revoked.then_some(at))
    .bind(at)
    .bind(at)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    row.try_get("id")
}

/// Records a re-verification. A badge once seen revoked keeps the moment it was first seen so.
pub async fn update_verification(db: &Db, id: i64, v: &Verified) -> Result<(), sqlx::Error> {
    let at = now();
    sqlx::query(
        "UPDATE backpack_badges SET format = $2, valid_at = $3, report = $4, badge_name = $5,
             issuer_name = $6, issued = $7, expires = $8,
             revoked_at = CASE WHEN $9 = 1 THEN COALESCE(revoked_at, $10) ELSE NULL END,
             verified_at = $10
         WHERE id = $1",
    )
    .bind(id)
    .bind(&v.format)
    .bind(v.valid.then_some(at))
    .bind(&v.report)
    .bind(&v.badge_name)
    .bind(&v.issuer_name)
    .bind(&v.issued)
    .bind(&v.expires)
    .bind(i64::from(v.revoked))
    .bind(at)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// A member's imported badges, newest first; `include_hidden` for the member themself.
pub async fn of_member(
    db: &Db,
    user_id: i64,
    include_hidden: bool,
) -> Result<Vec<ImportedBadge>, sqlx::Error> {
    let hidden = if include_hidden {
        ""
    } else {
        " AND hidden_at IS NULL"
    };
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM backpack_badges WHERE user_id = $1{hidden} ORDER BY id DESC"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// One imported badge of `user_id`.
pub async fn get(db: &Db, user_id: i64, id: i64) -> Result<Option<ImportedBadge>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM backpack_badges WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?
    .map(|row| from_row(&row))
    .transpose()
}

/// One imported badge, whoever holds it (for the public credential link).
pub async fn get_any(db: &Db, id: i64) -> Result<Option<ImportedBadge>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM backpack_badges WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .map(|row| from_row(&row))
    .transpose()
}

/// The uploaded image of an imported badge and its content type, if it has one.
pub async fn image(db: &Db, id: i64) -> Result<Option<(Vec<u8>, String)>, sqlx::Error> {
    let Some(row) = sqlx::query("SELECT image, image_type FROM backpack_badges WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let image: Option<Vec<u8>> = row.try_get("image")?;
    let kind: Option<String> = row.try_get("image_type")?;
    Ok(image.zip(kind))
}

/// Every imported badge id with its holder's email address, for re-verification.
pub async fn all_for_reverification(db: &Db) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query(
        "SELECT b.id, u.email FROM backpack_badges b JOIN users u ON u.id = b.user_id ORDER BY b.id",
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|row| Ok((row.try_get("id")?, row.try_get("email")?)))
    .collect()
}

/// Deletes one of `user_id`'s imported badges (and its places in collections); false if none.
pub async fn delete(db: &Db, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "DELETE FROM backpack_collection_items WHERE badge_id = $1
         AND badge_id IN (SELECT id FROM backpack_badges WHERE user_id = $2)",
    )
    .bind(id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    let deleted = sqlx::query("DELETE FROM backpack_badges WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(deleted == 1)
}

/// Shows or hides an imported badge on its holder's profile; false if it is not theirs.
pub async fn set_hidden(db: &Db, user_id: i64, id: i64, hidden: bool) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("UPDATE backpack_badges SET hidden_at = $3 WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .bind(hidden.then(now))
            .execute(db.pool())
            .await?;
    Ok(result.rows_affected() == 1)
}

/// A named, ordered set of a member's badges.
#[derive(Clone, Debug)]
pub struct Collection {
    pub id: i64,
    pub user_id: i64,
    pub slug: String,
    pub name: String,
    pub public_at: Option<i64>,
}

/// One place in a collection: an imported badge or an award.
#[derive(Clone, Debug)]
pub struct Item {
    pub id: i64,
    pub badge_id: Option<i64>,
    pub award_id: Option<String>,
    pub position: i64,
}

const COLLECTION_COLUMNS: &str = "id, user_id, slug, name, public_at";

fn collection_from_row(row: &AnyRow) -> Result<Collection, sqlx::Error> {
    Ok(Collection {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        public_at: row.try_get("public_at")?,
    })
}

/// A member's collections, by name.
pub async fn collections(db: &Db, user_id: i64) -> Result<Vec<Collection>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLLECTION_COLUMNS} FROM backpack_collections
         WHERE user_id = $1 ORDER BY name, id"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(collection_from_row)
    .collect()
}

/// One of `user_id`'s collections.
pub async fn collection(db: &Db, user_id: i64, id: i64) -> Result<Option<Collection>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLLECTION_COLUMNS} FROM backpack_collections
         WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?
    .map(|row| collection_from_row(&row))
    .transpose()
}

/// A member's collection by its slug (for its share URL).
pub async fn collection_by_slug(
    db: &Db,
    user_id: i64,
    slug: &str,
) -> Result<Option<Collection>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLLECTION_COLUMNS} FROM backpack_collections
         WHERE user_id = $1 AND slug = $2"
    ))
    .bind(user_id)
    .bind(slug)
    .fetch_optional(db.pool())
    .await?
    .map(|row| collection_from_row(&row))
    .transpose()
}

/// Creates a collection; `Err` with a unique violation when the member has that slug already.
pub async fn create_collection(
    db: &Db,
    user_id: i64,
    slug: &str,
    name: &str,
    public: bool,
) -> Result<i64, sqlx::Error> {
    let at = now();
    let row = sqlx::query(
        "INSERT INTO backpack_collections (user_id, slug, name, public_at, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(slug)
    .bind(name)
    .bind(public.then_some(at))
    .bind(at)
    .fetch_one(db.pool())
    .await?;
    row.try_get("id")
}

/// Renames a collection and sets whether it is public. The slug stays: its share URL is
/// permanent.
pub async fn update_collection(
    db: &Db,
    user_id: i64,
    id: i64,
    name: &str,
    public: bool,
) -> Result<bool, sqlx::Error> {
    save_collection(db, user_id, id, name, public, None).await
}

/// Renames a collection, sets whether it is public and, when `items` is given, replaces its
/// badges with them in that order (imported badge id or award id each; the caller has checked
/// they are the member's and listed once) — all in one transaction. False when it is not theirs.
pub async fn save_collection(
    db: &Db,
    user_id: i64,
    id: i64,
    name: &str,
    public: bool,
    items: Option<&[(Option<i64>, Option<String>)]>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE backpack_collections
         SET name = $3, public_at = CASE WHEN $4 = 1 THEN COALESCE(public_at, $5) ELSE NULL END
         WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .bind(name)
    .bind(i64::from(public))
    .bind(now())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if let (true, Some(items)) = (updated, items) {
        sqlx::query("DELETE FROM backpack_collection_items WHERE collection_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (n, (badge_id, award_id)) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO backpack_collection_items (collection_id, badge_id, award_id, position)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(badge_id)
            .bind(award_id.as_deref())
            .bind(n as i64 + 1)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(updated)
}

pub async fn delete_collection(db: &Db, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "DELETE FROM backpack_collection_items WHERE collection_id IN
         (SELECT id FROM backpack_collections WHERE id = $1 AND user_id = $2)",
    )
    .bind(id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    let deleted = sqlx::query("DELETE FROM backpack_collections WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(deleted == 1)
}

/// A collection's items in order.
pub async fn items(db: &Db, collection_id: i64) -> Result<Vec<Item>, sqlx::Error> {
    sqlx::query(
        "SELECT id, badge_id, award_id, position FROM backpack_collection_items
         WHERE collection_id = $1 ORDER BY position, id",
    )
    .bind(collection_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|row| {
        Ok(Item {
            id: row.try_get("id")?,
            badge_id: row.try_get("badge_id")?,
            award_id: row.try_get("award_id")?,
            position: row.try_get("position")?,
        })
    })
    .collect()
}

/// Appends a badge to a collection (the caller has checked that both are the member's);
/// a badge already there stays where it is.
pub async fn add_item(
    db: &Db,
    collection_id: i64,
    badge_id: Option<i64>,
    award_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "SELECT COALESCE(MAX(position), 0) + 1 AS next FROM backpack_collection_items
         WHERE collection_id = $1",
    )
    .bind(collection_id)
    .fetch_one(&mut *tx)
    .await?;
    let next: i64 = row.try_get("next")?;
    let inserted = sqlx::query(
        "INSERT INTO backpack_collection_items (collection_id, badge_id, award_id, position)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(collection_id)
    .bind(badge_id)
    .bind(award_id)
    .bind(next)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => tx.commit().await,
        Err(e) if crate::store::is_unique_violation(&e) => tx.rollback().await,
        Err(e) => Err(e),
    }
}

/// Removes an item of a collection; false when it is not in it.
pub async fn remove_item(db: &Db, collection_id: i64, item_id: i64) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("DELETE FROM backpack_collection_items WHERE id = $1 AND collection_id = $2")
            .bind(item_id)
            .bind(collection_id)
            .execute(db.pool())
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Swaps an item with its neighbour above (`up`) or below; false when it is not in the
/// collection. At either end nothing moves.
pub async fn move_item(
    db: &Db,
    collection_id: i64,
    item_id: i64,
    up: bool,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let ordered: Vec<(i64, i64)> = sqlx::query(
        "SELECT id, position FROM backpack_collection_items WHERE collection_id = $1
         ORDER BY position, id",
    )
    .bind(collection_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|row| Ok((row.try_get("id")?, row.try_get("position")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let Some(at) = ordered.iter().position(|(id, _)| *id == item_id) else {
        return Ok(false);
    };
    let other = if up { at.checked_sub(1) } else { Some(at + 1) };
    if let Some(other) = other.filter(|o| *o < ordered.len()) {
        // Renumber the whole list with the two swapped, so that equal positions (which a
        // concurrent add could make) never leave the order ambiguous.
        let mut ids: Vec<i64> = ordered.iter().map(|(id, _)| *id).collect();
        ids.swap(at, other);
        for (n, id) in ids.iter().enumerate() {
            sqlx::query("UPDATE backpack_collection_items SET position = $2 WHERE id = $1")
                .bind(id)
                .bind(n as i64 + 1)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}
