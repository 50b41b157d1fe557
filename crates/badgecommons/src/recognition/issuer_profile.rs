//! What the community says about itself as an issuer (name, URL, email, description, image),
//! set by admins; until they do, the site's name and public URL stand in.

use sqlx::Row;

use crate::store::{now, Db};
use crate::web::AppState;

#[derive(Clone, Debug)]
pub struct IssuerProfile {
    pub name: String,
    /// The issuer's home page; empty means the site's public URL.
    pub url: String,
    pub email: String,
    pub description: String,
    pub has_image: bool,
}

impl IssuerProfile {
    pub fn url_or(&self, state: &AppState) -> String {
        if self.url.is_empty() {
            state.url("/")
        } else {
            self.url.clone()
        }
    }
}

/// The profile, or the defaults from the site's settings when admins have not set one.
pub async fn get(state: &AppState) -> Result<IssuerProfile, sqlx::Error> {
    let row = sqlx::query(
        "SELECT name, url, email, description, image_type FROM issuer_profile WHERE id = 1",
    )
    .fetch_optional(state.db.pool())
    .await?;
    Ok(match row {
        Some(row) => IssuerProfile {
            name: row.try_get("name")?,
            url: row.try_get("url")?,
            email: row.try_get("email")?,
            description: row.try_get("description")?,
            has_image: row.try_get::<Option<String>, _>("image_type")?.is_some(),
        },
        None => IssuerProfile {
            name: state.settings.site_name.clone(),
            url: String::new(),
            email: String::new(),
            description: String::new(),
            has_image: false,
        },
    })
}

/// The issuer's image and its content type, when one was uploaded.
pub async fn image(db: &Db) -> Result<Option<(Vec<u8>, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT image, image_type FROM issuer_profile WHERE id = 1")
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let image: Option<Vec<u8>> = row.try_get("image")?;
    let kind: Option<String> = row.try_get("image_type")?;
    Ok(image.zip(kind))
}

/// Saves the profile; `image` replaces the stored one when given.
pub async fn save(
    db: &Db,
    profile: &IssuerProfile,
    image: Option<(Vec<u8>, String)>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO issuer_profile (id, name, url, email, description, updated_at)
         VALUES (1, $1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET name = $1, url = $2, email = $3, description = $4, updated_at = $5",
    )
    .bind(&profile.name)
    .bind(&profile.url)
    .bind(&profile.email)
    .bind(&profile.description)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    if let Some((bytes, kind)) = image {
        sqlx::query("UPDATE issuer_profile SET image = $1, image_type = $2 WHERE id = 1")
            .bind(bytes)
            .bind(kind)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
