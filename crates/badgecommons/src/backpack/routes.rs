//! The member's backpack page (`/backpack`: import, show or hide, delete) and its JSON API
//! (`GET/POST /api/v1/backpack`, `DELETE /api/v1/backpack/{id}`), plus the link to an imported
//! badge's credential. The input handling (URL, pasted JSON/JWT or a baked image) is the one
//! `/verify` uses (`recognition::form_input` / `api_input`), so both accept exactly the same.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequest, Multipart, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use openbadges::bake::{self, ImageFormat};
use serde_json::json;

use super::store::{self, ImportedBadge, NewImport};
use super::{
    badge_json, linkedin_url, verified, Standing, MAX_BADGES_PER_MEMBER, MAX_PAYLOAD_BYTES,
};
use crate::accounts::model::Member;
use crate::recognition::awards::{self, Award};
use crate::recognition::VisibilityFields;
use crate::recognition::{documents, Input, MAX_IMAGE_BYTES};
use crate::web::{render, render_rejected, AppState, Chrome, Failure, Viewer};

/// The backpack routes that accept an uploaded image, and so a larger body.
pub const UPLOAD_PATHS: [&str; 2] = ["/backpack", "/api/v1/backpack"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/backpack", get(backpack_page).post(import_form))
        .route("/backpack/{id}/delete", post(delete_form))
        .route("/backpack/{id}/visibility", post(visibility_form))
        .route("/backpack/badges/{id}/credential", get(credential))
        .route("/backpack/badges/{id}/image", get(image))
        .route("/api/v1/backpack", get(list_api).post(import_api))
        .route("/api/v1/backpack/{id}", axum::routing::delete(delete_api))
}

/// One badge as the pages show it, imported or awarded here.
pub struct BadgeView {
    /// `imported:{id}` or `award:{uuid}`: how collection forms name it.
    pub key: String,
    pub imported_id: Option<i64>,
    pub name: String,
    pub issuer: String,
    pub issued: String,
    pub standing: Standing,
    /// Where the credential can be read (for an imported URL, the URL itself).
    pub credential_url: String,
    pub image_url: Option<String>,
    pub linkedin: String,
    pub shown: bool,
    /// The failed and warning checks of the last verification, for the holder.
    pub problems: Vec<String>,
}

impl BadgeView {
    pub fn status(&self) -> &'static str {
        self.standing.as_str()
    }

    pub fn is_valid(&self) -> bool {
        self.standing.is_valid()
    }

    pub fn imported(state: &AppState, badge: &ImportedBadge) -> BadgeView {
        let credential_url = if badge.source == "url" {
            badge.payload.clone()
        } else {
            state.url(&format!("/backpack/badges/{}/credential", badge.id))
        };
        let report: serde_json::Value =
            serde_json::from_str(&badge.report).unwrap_or(serde_json::Value::Null);
        let problems = report["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["status"] == "fail" || c["status"] == "warning")
            .map(|c| {
                format!(
                    "{}: {}",
                    c["status"].as_str().unwrap_or(""),
                    c["message"].as_str().unwrap_or("")
                )
            })
            .collect();
        let name = if badge.badge_name.is_empty() {
            "Unnamed badge".to_owned()
        } else {
            badge.badge_name.clone()
        };
        BadgeView {
            key: format!("imported:{}", badge.id),
            imported_id: Some(badge.id),
            linkedin: linkedin_url(
                &name,
                &badge.issuer_name,
                &badge.issued,
                &credential_url,
                &format!("backpack-{}", badge.id),
            ),
            name,
            issuer: badge.issuer_name.clone(),
            issued: badge.issued.clone(),
            standing: Standing::of(badge),
            image_url: badge
                .image_type
                .as_ref()
                .map(|_| format!("/backpack/badges/{}/image", badge.id)),
            credential_url,
            shown: badge.hidden_at.is_none(),
            problems,
        }
    }

    pub fn award(state: &AppState, award: &Award, issuer: &str) -> BadgeView {
        let credential_url = documents::credential_url(state, &award.id);
        let issued = crate::web::Stamp(award.issued_at).iso();
        BadgeView {
            key: format!("award:{}", award.id),
            imported_id: None,
            linkedin: linkedin_url(
                &award.badge_name,
                issuer,
                &issued,
                &credential_url,
                &award.id,
            ),
            name: award.badge_name.clone(),
            issuer: issuer.to_owned(),
            issued,
            standing: Standing::of_award(award.revoked_at.is_some()),
            image_url: Some(format!("/badges/{}/image", award.badge_class_id)),
            credential_url,
            shown: award.hidden_at.is_none(),
            problems: Vec::new(),
        }
    }
}

/// The imported badges a profile shows: the shown ones, or all of them for their holder.
pub async fn profile_badges(
    state: &AppState,
    user_id: i64,
    own: bool,
) -> Result<Vec<BadgeView>, Failure> {
    Ok(store::of_member(&state.db, user_id, own)
        .await?
        .iter()
        .map(|b| BadgeView::imported(state, b))
        .collect())
}

/// Every badge a member holds, as views: awards received (not hidden ones unless `own`), then
/// imported badges.
pub async fn all_badges(
    state: &AppState,
    user_id: i64,
    own: bool,
) -> Result<Vec<BadgeView>, Failure> {
    let issuer = crate::recognition::issuer_profile::get(state).await?.name;
    let mut views: Vec<BadgeView> = awards::of_member(&state.db, user_id, own)
        .await?
        .iter()
        .map(|a| BadgeView::award(state, a, &issuer))
        .collect();
    views.extend(profile_badges(state, user_id, own).await?);
    Ok(views)
}

#[derive(Template)]
#[template(path = "backpack/templates/backpack.html")]
struct BackpackPage {
    chrome: Chrome,
    problem: Option<String>,
    imported: Vec<BadgeView>,
    awarded: Vec<BadgeView>,
    max_image_mb: usize,
    max_badges: i64,
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    member: &Member,
    problem: Option<String>,
) -> Result<BackpackPage, Failure> {
    let issuer = crate::recognition::issuer_profile::get(state).await?.name;
    Ok(BackpackPage {
        chrome: viewer.chrome(state, "My backpack", "/backpack").await?,
        problem,
        imported: profile_badges(state, member.id, true).await?,
        awarded: awards::of_member(&state.db, member.id, true)
            .await?
            .iter()
            .map(|a| BadgeView::award(state, a, &issuer))
            .collect(),
        max_image_mb: MAX_IMAGE_BYTES / (1024 * 1024),
        max_badges: MAX_BADGES_PER_MEMBER,
    })
}

async fn backpack_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    render(&page(&state, &viewer, member, None).await?)
}

async fn import_form(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
    request: Request,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?.clone();
    // An import may make the server fetch from other sites, as `/verify` does: same limit.
    state.limits.verify(client.ip())?;
    let form = Multipart::from_request(request, &()).await.map_err(|_| {
        Failure::UnsupportedMediaType(
            "The import form must be sent as multipart/form-data.".to_string(),
        )
    })?;
    let outcome = match crate::recognition::form_input(form).await {
        Ok(input) => import(&state, &member, input).await,
        Err(problem) => {
            let status = problem.status;
            let page = page(&state, &viewer, &member, Some(problem.message)).await?;
            return render_rejected(status, &page);
        }
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/backpack").into_response()),
        Err(failure @ (Failure::Invalid(_) | Failure::BadRequest(_))) => {
            let status = failure.status();
            let page = page(&state, &viewer, &member, Some(failure.to_string())).await?;
            render_rejected(status, &page)
        }
        Err(failure) => Err(failure),
    }
}

/// Verifies and stores one import for `member`, whatever the verdict; returns the stored row.
async fn import(state: &AppState, member: &Member, input: Input) -> Result<ImportedBadge, Failure> {
    let (source, payload, image) = match &input {
        Input::Url(url) => ("url", url.clone(), None),
        Input::Text(text) => {
            let source = if text.trim_start().starts_with('{') {
                "json"
            } else {
                "jwt"
            };
            (source, text.trim().to_owned(), None)
        }
        Input::Image(bytes) => {
            let kind = match ImageFormat::sniff(bytes) {
                Some(ImageFormat::Png) => "image/png",
                Some(ImageFormat::Svg) => "image/svg+xml",
                None => {
                    return Err(Failure::Invalid(
                        "The upload is not a PNG or SVG image: a baked badge is one of those."
                            .into(),
                    ))
                }
            };
            // The payload is kept as text too, so that the export and the API can give it.
            let payload = bake::extract(bytes).map(|e| e.payload).unwrap_or_default();
            ("image", payload, Some((bytes.to_vec(), kind.to_owned())))
        }
    };
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(Failure::Invalid(format!(
            "The credential is too large to keep: at most {} KB.",
            MAX_PAYLOAD_BYTES / 1024
        )));
    }
    // The recipient imported badges are checked against.
    let email = crate::accounts::store::email_of(&state.db, member.id)
        .await?
        .ok_or_else(|| Failure::not_found("member"))?;
    // Verify before the transaction: it may fetch from other sites for seconds.
    let report = super::verify(state, &input, &email).await;
    tracing::info!(format = %report.format, valid = report.valid, "imported a badge");
    let mut tx = state.db.begin().await?;
    if store::count(&mut tx, member.id).await? >= MAX_BADGES_PER_MEMBER {
        return Err(Failure::Invalid(format!(
            "Your backpack is full: it holds at most {MAX_BADGES_PER_MEMBER} imported badges. \
             Delete some to import more."
        )));
    }
    let id = store::insert(
        &mut tx,
        NewImport {
            user_id: member.id,
            source,
            payload,
            image,
            verified: verified(&report),
        },
    )
    .await?;
    tx.commit().await?;
    store::get(&state.db, member.id, id)
        .await?
        .ok_or_else(|| Failure::Internal(format!("backpack badge {id} vanished")))
}

async fn delete_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    if !store::delete(&state.db, member.id, id).await? {
        return Err(Failure::not_found("badge in your backpack"));
    }
    Ok(Redirect::to("/backpack").into_response())
}

async fn visibility_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(fields): Form<VisibilityFields>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let hidden = fields.hidden()?;
    if !store::set_hidden(&state.db, member.id, id, hidden).await? {
        return Err(Failure::not_found("badge in your backpack"));
    }
    Ok(Redirect::to("/backpack").into_response())
}

/// An imported badge that `viewer` may see: its holder's, a shown one, or one in a public
/// collection. Anything else is "not found", so that private badges do not show they exist.
async fn visible(state: &AppState, viewer: &Viewer, id: i64) -> Result<ImportedBadge, Failure> {
    let badge = store::get_any(&state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("badge"))?;
    let own = viewer
        .member
        .as_ref()
        .is_some_and(|m| m.id == badge.user_id);
    if own
        || badge.hidden_at.is_none()
        || super::collections::in_public_collection(state, id).await?
    {
        Ok(badge)
    } else {
        Err(Failure::not_found("badge"))
    }
}

/// The imported credential as it was given: JSON, a JWT (as text) or the URL.
async fn credential(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let badge = visible(&state, &viewer, id).await?;
    let content_type = if serde_json::from_str::<serde_json::Value>(&badge.payload).is_ok() {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        badge.payload,
    )
        .into_response())
}

async fn image(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    visible(&state, &viewer, id).await?;
    let (bytes, kind) = store::image(&state.db, id)
        .await?
        .ok_or_else(|| Failure::NotFound("That badge has no image.".into()))?;
    Ok(crate::recognition::images::serve(bytes, &kind))
}

async fn list_api(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let badges: Vec<_> = store::of_member(&state.db, member.id, true)
        .await?
        .iter()
        .map(|b| badge_json(&state, b))
        .collect();
    let issuer = crate::recognition::issuer_profile::get(&state).await?.name;
    let awarded: Vec<_> = awards::of_member(&state.db, member.id, true)
        .await?
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "name": a.badge_name,
                "issuer": issuer,
                "issued": crate::web::Stamp(a.issued_at).iso(),
                "status": Standing::of_award(a.revoked_at.is_some()).as_str(),
                "credential_url": documents::credential_url(&state, &a.id),
            })
        })
        .collect();
    Ok(Json(json!({ "badges": badges, "awards": awarded })).into_response())
}

async fn import_api(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
    request: Request,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?.clone();
    state.limits.verify(client.ip())?;
    // An unusable request (nothing given, two inputs, too large) answers as `/verify` does.
    let input = match crate::recognition::api_input(request).await {
        Ok(input) => input,
        Err(problem) => return Ok(problem.into_response()),
    };
    let badge = import(&state, &member, input).await?;
    Ok((StatusCode::CREATED, Json(badge_json(&state, &badge))).into_response())
}

async fn delete_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    if !store::delete(&state.db, member.id, id).await? {
        return Err(Failure::not_found("badge in your backpack"));
    }
    Ok(Json(json!({ "id": id, "deleted": true })).into_response())
}
