//! Collections: named, ordered sets of a member's badges (imported ones and awards received),
//! public or private, managed with plain forms (up/down buttons, no JavaScript), each with a
//! permanent share URL `/u/{username}/collections/{slug}` and its JSON form (`.json`).
//!
//! A collection only ever holds its owner's badges: adding checks that the badge is theirs
//! (an imported badge they hold, an award made to them), so another member's id is "not found".
//! A private collection is "not found" for everyone but its owner.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;
use sqlx::Row;

use super::routes::{all_badges, BadgeView};
use super::store::{self, Collection};
use crate::recognition::awards;
use crate::store::is_unique_violation;
use crate::web::{render, AppState, Chrome, Failure, Viewer};

/// The most collections one member may make, and the most badges in one.
const MAX_COLLECTIONS: usize = 100;
pub(super) const MAX_ITEMS: usize = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/backpack/collections",
            get(collections_page).post(create_form),
        )
        .route(
            "/backpack/collections/{id}",
            get(edit_page).post(update_form),
        )
        .route("/backpack/collections/{id}/delete", post(delete_form))
        .route("/backpack/collections/{id}/items", post(add_form))
        .route(
            "/backpack/collections/{id}/items/{item}/move",
            post(move_form),
        )
        .route(
            "/backpack/collections/{id}/items/{item}/remove",
            post(remove_form),
        )
        .route("/u/{username}/collections/{slug}", get(shared))
}

/// Whether an imported badge is in any public collection (so its credential may be read).
pub async fn in_public_collection(state: &AppState, badge_id: i64) -> Result<bool, Failure> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM backpack_collection_items i
         JOIN backpack_collections c ON c.id = i.collection_id
         WHERE i.badge_id = $1 AND c.public_at IS NOT NULL",
    )
    .bind(badge_id)
    .fetch_one(state.db.pool())
    .await?;
    let n: i64 = row.try_get("n")?;
    Ok(n > 0)
}

/// A collection's items as views, in order, each with its item id.
async fn item_views(
    state: &AppState,
    collection: &Collection,
) -> Result<Vec<(i64, BadgeView)>, Failure> {
    let issuer = crate::recognition::issuer_profile::get(state).await?.name;
    let mut views = Vec::new();
    for item in store::items(&state.db, collection.id).await? {
        let view = match (&item.badge_id, &item.award_id) {
            (Some(badge), _) => store::get(&state.db, collection.user_id, *badge)
                .await?
                .map(|b| BadgeView::imported(state, &b)),
            (None, Some(award)) => awards::get(&state.db, award)
                .await?
                .filter(|a| a.recipient_user_id == Some(collection.user_id))
                .map(|a| BadgeView::award(state, &a, &issuer)),
            (None, None) => None,
        };
        if let Some(view) = view {
            views.push((item.id, view));
        }
    }
    Ok(views)
}

#[derive(Template)]
#[template(path = "backpack/templates/collections.html")]
struct CollectionsPage {
    chrome: Chrome,
    username: String,
    collections: Vec<Collection>,
}

async fn collections_page(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    render(&CollectionsPage {
        chrome: viewer
            .chrome(&state, "My collections", "/backpack/collections")
            .await?,
        username: member.username.clone(),
        collections: store::collections(&state.db, member.id).await?,
    })
}

#[derive(Deserialize)]
struct CollectionFields {
    name: String,
    /// A checkbox: present (any value) when public.
    #[serde(default)]
    public: Option<String>,
}

pub(super) fn checked_name(name: &str) -> Result<String, Failure> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Failure::Invalid(
            "A collection needs a name of 1 to 100 characters.".into(),
        ));
    }
    Ok(name.to_owned())
}

async fn create_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<CollectionFields>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let id = create(&state, member.id, &fields.name, fields.public.is_some()).await?;
    Ok(Redirect::to(&format!("/backpack/collections/{id}")).into_response())
}

/// Makes a collection of `owner`'s (the form and the API): checks the name and the member's
/// limit and picks a free slug; returns its id.
pub(super) async fn create(
    state: &AppState,
    owner: i64,
    name: &str,
    public: bool,
) -> Result<i64, Failure> {
    let name = checked_name(name)?;
    if store::collections(&state.db, owner).await?.len() >= MAX_COLLECTIONS {
        return Err(Failure::Invalid(format!(
            "You have {MAX_COLLECTIONS} collections, the most one member may have."
        )));
    }
    let base = match slug::slugify(&name) {
        s if s.is_empty() => "collection".to_owned(),
        s => s.chars().take(60).collect(),
    };
    // The slug is the collection's permanent address: a name used before gets a number.
    for n in 1..=50 {
        let slug = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        match store::create_collection(&state.db, owner, &slug, &name, public).await {
            Ok(id) => return Ok(id),
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Failure::Conflict(
        "You have too many collections with that name already.".into(),
    ))
}

#[derive(Template)]
#[template(path = "backpack/templates/collection_edit.html")]
struct EditPage {
    chrome: Chrome,
    collection: Collection,
    share_url: String,
    items: Vec<(i64, BadgeView)>,
    /// The member's badges not yet in the collection.
    addable: Vec<BadgeView>,
}

/// The viewer's collection `id`; anyone else's is "not found", as if it did not exist.
pub(super) async fn own_collection(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<Collection, Failure> {
    let member = viewer.require_member()?;
    store::collection(&state.db, member.id, id)
        .await?
        .ok_or_else(|| Failure::not_found("collection of yours"))
}

async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let collection = own_collection(&state, &viewer, id).await?;
    let member = viewer.require_member()?;
    let items = item_views(&state, &collection).await?;
    let addable = all_badges(&state, member.id, true)
        .await?
        .into_iter()
        .filter(|b| !items.iter().any(|(_, i)| i.key == b.key))
        .collect();
    render(&EditPage {
        chrome: viewer
            .chrome(
                &state,
                collection.name.clone(),
                &format!("/backpack/collections/{id}"),
            )
            .await?,
        share_url: state.url(&format!(
            "/u/{}/collections/{}",
            member.username, collection.slug
        )),
        collection,
        items,
        addable,
    })
}

async fn update_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(fields): Form<CollectionFields>,
) -> Result<Response, Failure> {
    let collection = own_collection(&state, &viewer, id).await?;
    let name = checked_name(&fields.name)?;
    store::update_collection(
        &state.db,
        collection.user_id,
        id,
        &name,
        fields.public.is_some(),
    )
    .await?;
    Ok(Redirect::to(&format!("/backpack/collections/{id}")).into_response())
}

async fn delete_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let collection = own_collection(&state, &viewer, id).await?;
    store::delete_collection(&state.db, collection.user_id, id).await?;
    Ok(Redirect::to("/backpack/collections").into_response())
}

#[derive(Deserialize)]
struct AddFields {
    /// `imported:{id}` or `award:{uuid}`.
    badge: String,
}

async fn add_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(fields): Form<AddFields>,
) -> Result<Response, Failure> {
    let collection = own_collection(&state, &viewer, id).await?;
    if store::items(&state.db, id).await?.len() >= MAX_ITEMS {
        return Err(Failure::Invalid(format!(
            "A collection holds at most {MAX_ITEMS} badges."
        )));
    }
    let item = match fields.badge.split_once(':') {
        Some(("imported", badge)) => {
            let badge = badge.parse().map_err(|_| {
                Failure::BadRequest(format!("{:?} is not a badge id.", fields.badge))
            })?;
            ItemRef::Imported(badge)
        }
        Some(("award", award)) => ItemRef::Award(award.to_owned()),
        _ => {
            return Err(Failure::BadRequest(
                "badge must be imported:{id} or award:{id}.".into(),
            ))
        }
    };
    let (badge, award) = owned_item(&state, collection.user_id, item).await?;
    store::add_item(&state.db, id, badge, award.as_deref()).await?;
    Ok(Redirect::to(&format!("/backpack/collections/{id}")).into_response())
}

/// A badge a collection may hold: one imported into the backpack, or an award made here.
pub(super) enum ItemRef {
    Imported(i64),
    Award(String),
}

/// Checks that the badge is `owner`'s (anyone else's is "not found", so ids reveal nothing) and
/// gives it as the store names items: (imported badge id, award id).
pub(super) async fn owned_item(
    state: &AppState,
    owner: i64,
    item: ItemRef,
) -> Result<(Option<i64>, Option<String>), Failure> {
    let not_yours = || Failure::NotFound("That badge is not in your backpack.".into());
    match item {
        ItemRef::Imported(badge) => {
            store::get(&state.db, owner, badge)
                .await?
                .ok_or_else(not_yours)?;
            Ok((Some(badge), None))
        }
        ItemRef::Award(award) => {
            awards::get(&state.db, &award)
                .await?
                .filter(|a| a.recipient_user_id == Some(owner))
                .ok_or_else(not_yours)?;
            Ok((None, Some(award)))
        }
    }
}

#[derive(Deserialize)]
struct MoveFields {
    direction: String,
}

async fn move_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, item)): Path<(i64, i64)>,
    Form(fields): Form<MoveFields>,
) -> Result<Response, Failure> {
    let collection = own_collection(&state, &viewer, id).await?;
    let up = match fields.direction.as_str() {
        "up" => true,
        "down" => false,
        other => {
            return Err(Failure::BadRequest(format!(
                "direction must be up or down, not {other:?}."
            )))
        }
    };
    if !store::move_item(&state.db, collection.id, item, up).await? {
        return Err(Failure::not_found("badge in this collection"));
    }
    Ok(Redirect::to(&format!("/backpack/collections/{id}")).into_response())
}

async fn remove_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, item)): Path<(i64, i64)>,
) -> Result<Response, Failure> {
    let collection = own_collection(&state, &viewer, id).await?;
    if !store::remove_item(&state.db, collection.id, item).await? {
        return Err(Failure::not_found("badge in this collection"));
    }
    Ok(Redirect::to(&format!("/backpack/collections/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "backpack/templates/collection.html")]
struct SharedPage {
    chrome: Chrome,
    collection: Collection,
    username: String,
    own: bool,
    badges: Vec<BadgeView>,
}

/// `/u/{username}/collections/{slug}` and `{slug}.json`: public collections for everyone,
/// private ones for their owner only.
async fn shared(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((username, slug)): Path<(String, String)>,
) -> Result<Response, Failure> {
    let (slug, json_form) = match slug.strip_suffix(".json") {
        Some(slug) => (slug.to_owned(), true),
        None => (slug, false),
    };
    match shared_collection(&state, &viewer, &username, &slug, json_form).await {
        // The JSON form's readers are programs: they get a JSON error, not the HTML page.
        Err(failure) if json_form => Ok((
            failure.status(),
            axum::Json(json!({ "error": failure.to_string() })),
        )
            .into_response()),
        other => other,
    }
}

async fn shared_collection(
    state: &AppState,
    viewer: &Viewer,
    username: &str,
    slug: &str,
    json_form: bool,
) -> Result<Response, Failure> {
    let missing = || Failure::not_found("collection");
    let profile = crate::accounts::store::profile(&state.db, username)
        .await?
        .ok_or_else(missing)?;
    let collection = store::collection_by_slug(&state.db, profile.id, slug)
        .await?
        .ok_or_else(missing)?;
    let own = viewer.member.as_ref().is_some_and(|m| m.id == profile.id);
    if collection.public_at.is_none() && !own {
        return Err(missing());
    }
    let badges: Vec<BadgeView> = item_views(state, &collection)
        .await?
        .into_iter()
        .map(|(_, view)| view)
        .collect();
    let path = format!("/u/{}/collections/{}", profile.username, collection.slug);
    if json_form {
        let body = json!({
            "name": collection.name,
            "owner": profile.username,
            "url": state.url(&path),
            "public": collection.public_at.is_some(),
            "badges": badges.iter().map(|b| json!({
                "name": b.name,
                "issuer": b.issuer,
                "issued": b.issued,
                "status": b.status(),
                "valid": b.is_valid(),
                "credential_url": b.credential_url,
            })).collect::<Vec<_>>(),
        });
        let mut response = axum::Json(body).into_response();
        if collection.public_at.is_some() {
            response.headers_mut().insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
        return Ok(response);
    }
    render(&SharedPage {
        chrome: viewer.chrome(state, collection.name.clone(), &path).await?,
        username: profile.username,
        own,
        collection,
        badges,
    })
}
