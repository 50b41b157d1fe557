//! The JSON API of collections (`/api/v1/collections`): list, create, change (name, public, the
//! ordered list of badges) and delete a member's own collections. The checks are the pages'
//! (`collections::create`, `own_collection`, `owned_item`, `checked_name`), so both accept
//! exactly the same and someone else's collection or badge is "not found" here too.

use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::collections::{checked_name, create, own_collection, owned_item, ItemRef, MAX_ITEMS};
use super::store::{self, Collection};
use crate::web::{AppState, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/collections", get(list_api).post(create_api))
        .route(
            "/api/v1/collections/{id}",
            axum::routing::patch(update_api).delete(delete_api),
        )
}

/// A collection as the API gives it, with its items in order.
async fn collection_json(
    state: &AppState,
    username: &str,
    collection: &Collection,
) -> Result<Value, Failure> {
    let items: Vec<Value> = store::items(&state.db, collection.id)
        .await?
        .into_iter()
        .filter_map(|item| match (item.badge_id, item.award_id) {
            (Some(badge), _) => Some(json!({ "badge": badge })),
            (None, Some(award)) => Some(json!({ "award": award })),
            (None, None) => None,
        })
        .collect();
    Ok(json!({
        "id": collection.id,
        "name": collection.name,
        "slug": collection.slug,
        "public": collection.public_at.is_some(),
        "url": state.url(&format!("/u/{username}/collections/{}", collection.slug)),
        "items": items,
    }))
}

/// `GET /api/v1/collections`: the member's own collections, public and private.
async fn list_api(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let mut collections = Vec::new();
    for collection in store::collections(&state.db, member.id).await? {
        collections.push(collection_json(&state, &member.username, &collection).await?);
    }
    Ok(Json(json!({ "collections": collections })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCollection {
    name: String,
    #[serde(default)]
    public: bool,
}

/// `POST /api/v1/collections`: 201 with the new (empty) collection.
async fn create_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(body): Json<NewCollection>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let id = create(&state, member.id, &body.name, body.public).await?;
    let collection = store::collection(&state.db, member.id, id)
        .await?
        .ok_or_else(|| Failure::Internal(format!("collection {id} vanished after creation")))?;
    let body = collection_json(&state, &member.username, &collection).await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// One entry of `items`: `{"badge": id}` (imported) or `{"award": "uuid"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemInput {
    badge: Option<i64>,
    award: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CollectionPatch {
    name: Option<String>,
    public: Option<bool>,
    /// Replaces the whole list, in this order.
    items: Option<Vec<ItemInput>>,
}

/// `PATCH /api/v1/collections/{id}`: what is given changes, the rest stays.
async fn update_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Json(body): Json<CollectionPatch>,
) -> Result<Response, Failure> {
    let collection = own_collection(&state, &viewer, id).await?;
    let member = viewer.require_member()?;
    let name = match &body.name {
        Some(name) => checked_name(name)?,
        None => collection.name.clone(),
    };
    let public = body.public.unwrap_or(collection.public_at.is_some());
    // Every item is checked before anything is written, so a refused list changes nothing.
    let items = match body.items {
        None => None,
        Some(inputs) => {
            if inputs.len() > MAX_ITEMS {
                return Err(Failure::Invalid(format!(
                    "A collection holds at most {MAX_ITEMS} badges."
                )));
            }
            let mut items = Vec::with_capacity(inputs.len());
            let mut seen = HashSet::new();
            for (n, input) in inputs.into_iter().enumerate() {
                let item = match (input.badge, input.award) {
                    (Some(badge), None) => ItemRef::Imported(badge),
                    (None, Some(award)) => ItemRef::Award(award),
                    _ => {
                        return Err(Failure::BadRequest(format!(
                            "items[{n}] must have exactly one of \"badge\" and \"award\"."
                        )))
                    }
                };
                let owned = owned_item(&state, collection.user_id, item).await?;
                if !seen.insert(owned.clone()) {
                    return Err(Failure::Invalid(format!(
                        "items[{n}] is listed twice: a collection holds each badge once."
                    )));
                }
                items.push(owned);
            }
            Some(items)
        }
    };
    if !store::save_collection(
        &state.db,
        collection.user_id,
        id,
        &name,
        public,
        items.as_deref(),
    )
    .await?
    {
        // Deleted between the check and the write.
        return Err(Failure::not_found("collection of yours"));
    }
    let collection = own_collection(&state, &viewer, id).await?;
    Ok(Json(collection_json(&state, &member.username, &collection).await?).into_response())
}

/// `DELETE /api/v1/collections/{id}`: the badges stay in the backpack.
async fn delete_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let collection = own_collection(&state, &viewer, id).await?;
    if !store::delete_collection(&state.db, collection.user_id, id).await? {
        return Err(Failure::not_found("collection of yours"));
    }
    Ok(Json(json!({ "id": id, "deleted": true })).into_response())
}
