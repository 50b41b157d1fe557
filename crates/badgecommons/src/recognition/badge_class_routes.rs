//! The badge classes' pages, machine-readable forms and JSON API.
//!
//! Anyone may read: `/badges` lists the classes, `/badges/{id}` shows one (or, asked for
//! `application/ld+json` or `application/json`, answers with its OB 2.0 BadgeClass), and
//! `/badges/{id}/ob2.json`, `/badges/{id}/ob3.json` and `/badges/{id}/image` are what other
//! Open Badges tools fetch. Moderators and admins create and edit classes with multipart forms
//! (the image is an upload, checked and sanitised by `images`) or with `/api/v1/badges`.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::badge_classes::{
    self, parse_alignments, parse_tags, Alignment, BadgeClass, BadgeClassFields,
    MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS,
};
use super::images::{self, CheckedImage, ImageError};
use crate::web::{render, render_rejected, AppState, Chrome, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/badges", get(list_page).post(create))
        .route("/badges/new", get(new_page))
        .route("/badges/{id}", get(badge_page).post(edit))
        .route("/badges/{id}/edit", get(edit_page))
        .route("/badges/{id}/image", get(image))
        .route("/badges/{id}/ob2.json", get(ob2_json))
        .route("/badges/{id}/ob3.json", get(ob3_json))
        .route("/api/v1/badges", get(api_list).post(api_create))
        .route("/api/v1/badges/{id}", get(api_get).patch(api_edit))
}

async fn find(state: &AppState, id: i64) -> Result<BadgeClass, Failure> {
    badge_classes::get(&state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("badge"))
}

// ---------------------------------------------------------------------------------------------
// Pages

#[derive(Template)]
#[template(path = "recognition/templates/badges.html")]
struct ListPage {
    chrome: Chrome,
    classes: Vec<BadgeClass>,
    can_create: bool,
}

async fn list_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    let chrome = viewer
        .chrome(&state, "Badges", "/badges")
        .await?
        .with_description("The badges this community awards its members.");
    render(&ListPage {
        can_create: chrome.is_staff(),
        classes: badge_classes::list(&state.db).await?,
        chrome,
    })
}

#[derive(Template)]
#[template(path = "recognition/templates/badge.html")]
struct BadgePage {
    chrome: Chrome,
    criteria_html: String,
    can_edit: bool,
    /// The viewer may award it: staff always, members when it is peer-awardable (used by the
    /// award form, `badge_award.html`).
    #[allow(dead_code)]
    can_award: bool,
    class: BadgeClass,
}

/// Whether the `Accept` header prefers the JSON document to the page.
fn wants_json(headers: &HeaderMap) -> bool {
    crate::web::negotiate::preferred(
        headers,
        &["text/html", "application/ld+json", "application/json"],
    ) != "text/html"
}

async fn badge_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let class = find(&state, id).await?;
    if wants_json(&headers) {
        let mut response = super::documents::json_document(
            "application/ld+json",
            &badge_classes::ob2_badge_class(&state, &class),
        );
        let location = HeaderValue::from_str(&badge_classes::ob2_path(id))
            .map_err(|e| Failure::Internal(e.to_string()))?;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_LOCATION, location);
        headers.insert(header::VARY, HeaderValue::from_static("Accept"));
        return Ok(response);
    }
    let chrome = viewer
        .chrome(&state, class.name.clone(), &class.path())
        .await?
        .with_description(&class.description);
    let mut response = render(&BadgePage {
        can_edit: chrome.is_staff(),
        can_award: chrome.is_staff() || (class.peer_awardable && chrome.member.is_some()),
        criteria_html: class.criteria_html(),
        chrome,
        class,
    })?;
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

async fn ob2_json(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, Failure> {
    let class = find(&state, id).await?;
    Ok(super::documents::json_document(
        "application/ld+json",
        &badge_classes::ob2_badge_class(&state, &class),
    ))
}

async fn ob3_json(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, Failure> {
    let class = find(&state, id).await?;
    Ok(super::documents::json_document(
        "application/ld+json",
        &badge_classes::ob3_achievement_document(&state, &class),
    ))
}

/// The image as stored (see `images::serve` for the headers).
async fn image(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, Failure> {
    let (bytes, content_type) = badge_classes::image(&state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("badge"))?;
    Ok(images::serve(bytes, &content_type))
}

// ---------------------------------------------------------------------------------------------
// The form

#[derive(Template)]
#[template(path = "recognition/templates/badge_form.html")]
struct FormPage {
    chrome: Chrome,
    heading: String,
    action: String,
    editing: bool,
    problem: Option<String>,
    name: String,
    description: String,
    criteria: String,
    criteria_url: String,
    tags: String,
    alignments: String,
    peer_awardable: bool,
    max_name: usize,
    max_description: usize,
    max_image_kb: usize,
    max_png_side: u32,
}

/// The form's fields as submitted (text as typed, so a refused form comes back as it was).
#[derive(Clone, Debug, Default)]
struct Submitted {
    name: String,
    description: String,
    criteria: String,
    criteria_url: String,
    tags: String,
    alignments: String,
    peer_awardable: bool,
    /// The uploaded file; `None` when the file input was left empty.
    image: Option<Vec<u8>>,
}

impl Submitted {
    fn of(class: &BadgeClass) -> Submitted {
        Submitted {
            name: class.name.clone(),
            description: class.description.clone(),
            criteria: class.criteria.clone(),
            criteria_url: class.criteria_url.clone(),
            tags: class.tags_text(),
            alignments: class.alignments_text(),
            peer_awardable: class.peer_awardable,
            image: None,
        }
    }

    /// The checked fields, or the problem to show on the form.
    fn fields(&self) -> Result<BadgeClassFields, String> {
        BadgeClassFields {
            name: self.name.clone(),
            description: self.description.clone(),
            criteria: self.criteria.clone(),
            criteria_url: self.criteria_url.clone(),
            tags: parse_tags(&self.tags),
            alignments: parse_alignments(&self.alignments)?,
            peer_awardable: self.peer_awardable,
        }
        .checked()
    }

    /// The uploaded image checked, if one was uploaded.
    fn image(&self) -> Result<Option<CheckedImage>, String> {
        self.image
            .as_deref()
            .map(images::check_image)
            .transpose()
            .map_err(|e| e.to_string())
    }
}

/// Reads the multipart form; unknown fields (the CSRF token) are left out.
async fn read_form(form: Multipart) -> Result<Submitted, Failure> {
    let form = crate::web::multipart::read(form, "image").await?;
    Ok(Submitted {
        name: form.get("name").to_owned(),
        description: form.get("description").to_owned(),
        criteria: form.get("criteria").to_owned(),
        criteria_url: form.get("criteria_url").to_owned(),
        tags: form.get("tags").to_owned(),
        alignments: form.get("alignments").to_owned(),
        peer_awardable: !form.get("peer_awardable").is_empty(),
        image: form.file,
    })
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    editing: Option<i64>,
    submitted: Submitted,
    problem: Option<String>,
) -> Result<FormPage, Failure> {
    let (heading, action, path) = match editing {
        Some(id) => (
            format!("Edit “{}”", submitted.name),
            badge_classes::badge_path(id),
            format!("/badges/{id}/edit"),
        ),
        None => (
            "New badge".to_string(),
            "/badges".to_string(),
            "/badges/new".to_string(),
        ),
    };
    Ok(FormPage {
        chrome: viewer.chrome(state, heading.clone(), &path).await?,
        heading,
        action,
        editing: editing.is_some(),
        problem,
        name: submitted.name,
        description: submitted.description,
        criteria: submitted.criteria,
        criteria_url: submitted.criteria_url,
        tags: submitted.tags,
        alignments: submitted.alignments,
        peer_awardable: submitted.peer_awardable,
        max_name: MAX_NAME_CHARS,
        max_description: MAX_DESCRIPTION_CHARS,
        max_image_kb: images::MAX_IMAGE_BYTES / 1024,
        max_png_side: images::MAX_PNG_SIDE,
    })
}

async fn new_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.require_staff()?;
    render(&form_page(&state, &viewer, None, Submitted::default(), None).await?)
}

async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    form: Multipart,
) -> Result<Response, Failure> {
    let member = viewer.require_staff()?;
    let submitted = read_form(form).await?;
    let checked = submitted
        .fields()
        .and_then(|fields| match submitted.image()? {
            Some(image) => Ok((fields, image)),
            None => Err("Choose an image for the badge: a PNG or an SVG file.".to_string()),
        });
    match checked {
        Ok((fields, image)) => {
            let id = badge_classes::create(&state.db, &fields, &image, member.id).await?;
            tracing::info!(badge_class = id, by = member.id, "badge class created");
            Ok(Redirect::to(&badge_classes::badge_path(id)).into_response())
        }
        Err(problem) => {
            let page = form_page(&state, &viewer, None, submitted, Some(problem)).await?;
            render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    viewer.require_staff()?;
    let class = find(&state, id).await?;
    render(&form_page(&state, &viewer, Some(id), Submitted::of(&class), None).await?)
}

async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, Failure> {
    let member = viewer.require_staff()?;
    find(&state, id).await?;
    let submitted = read_form(form).await?;
    let checked = submitted
        .fields()
        .and_then(|fields| Ok((fields, submitted.image()?)));
    match checked {
        Ok((fields, image)) => {
            if !badge_classes::update(&state.db, id, &fields, image.as_ref()).await? {
                return Err(Failure::not_found("badge"));
            }
            tracing::info!(badge_class = id, by = member.id, "badge class edited");
            Ok(Redirect::to(&badge_classes::badge_path(id)).into_response())
        }
        Err(problem) => {
            let page = form_page(&state, &viewer, Some(id), submitted, Some(problem)).await?;
            render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The JSON API

/// A badge class as the API shows it.
fn api_item(state: &AppState, class: &BadgeClass) -> Value {
    json!({
        "id": class.id,
        "name": class.name,
        "description": class.description,
        "criteria": class.criteria,
        "criteriaUrl": class.criteria_url,
        "tags": class.tags,
        "alignments": class.alignments,
        "peerAwardable": class.peer_awardable,
        "imageUrl": state.url(&class.image_path()),
        "url": state.url(&class.path()),
        "awarded": class.awarded,
        "createdAt": class.created.iso(),
        "updatedAt": class.updated.iso(),
    })
}

async fn api_list(State(state): State<AppState>) -> Result<Response, Failure> {
    let classes = badge_classes::list(&state.db).await?;
    let items: Vec<Value> = classes.iter().map(|c| api_item(&state, c)).collect();
    Ok(Json(json!({ "badges": items })).into_response())
}

async fn api_get(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, Failure> {
    let class = find(&state, id).await?;
    Ok(Json(api_item(&state, &class)).into_response())
}

/// The body of `POST /api/v1/badges` and `PATCH /api/v1/badges/{id}`. Every field is optional
/// to serde so that a missing one gets this module's message rather than serde's; on a PATCH a
/// missing field keeps its value.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiBody {
    name: Option<String>,
    description: Option<String>,
    criteria: Option<String>,
    criteria_url: Option<String>,
    /// A `data:` URI of a PNG or SVG.
    image: Option<String>,
    tags: Option<Vec<String>>,
    alignments: Option<Vec<Alignment>>,
    peer_awardable: Option<bool>,
}

impl ApiBody {
    /// The fields, each from the body or else from `base`, checked.
    fn fields(self, base: BadgeClassFields) -> Result<(BadgeClassFields, Option<String>), Failure> {
        let fields = BadgeClassFields {
            name: self.name.unwrap_or(base.name),
            description: self.description.unwrap_or(base.description),
            criteria: self.criteria.unwrap_or(base.criteria),
            criteria_url: self.criteria_url.unwrap_or(base.criteria_url),
            tags: self.tags.unwrap_or(base.tags),
            alignments: self.alignments.unwrap_or(base.alignments),
            peer_awardable: self.peer_awardable.unwrap_or(base.peer_awardable),
        }
        .checked()
        .map_err(Failure::Invalid)?;
        Ok((fields, self.image))
    }
}

fn api_image(data_uri: &str) -> Result<CheckedImage, Failure> {
    images::image_from_data_uri(data_uri).map_err(|e: ImageError| Failure::Invalid(e.to_string()))
}

/// The JSON body, with axum's rejection (not JSON, wrong types) worded for people.
fn api_body(
    body: Result<Json<ApiBody>, axum::extract::rejection::JsonRejection>,
) -> Result<ApiBody, Failure> {
    body.map(|Json(body)| body).map_err(|rejection| {
        let status = rejection.status();
        let message = rejection.body_text();
        if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            Failure::UnsupportedMediaType(message)
        } else if status == StatusCode::UNPROCESSABLE_ENTITY {
            Failure::Invalid(message)
        } else {
            Failure::BadRequest(message)
        }
    })
}

async fn api_create(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Result<Json<ApiBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, Failure> {
    let member = viewer.require_staff()?;
    let (fields, image) = api_body(body)?.fields(BadgeClassFields::default())?;
    let image = match image.as_deref() {
        Some(uri) => api_image(uri)?,
        // Every badge class has an image: a plain square when none is given.
        None => CheckedImage {
            kind: images::ImageKind::Png,
            bytes: images::default_png_for(&fields.name),
        },
    };
    let id = badge_classes::create(&state.db, &fields, &image, member.id).await?;
    tracing::info!(badge_class = id, by = member.id, "badge class created");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "url": state.url(&badge_classes::badge_path(id)) })),
    )
        .into_response())
}

async fn api_edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Result<Json<ApiBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, Failure> {
    let member = viewer.require_staff()?;
    let class = find(&state, id).await?;
    let base = BadgeClassFields {
        name: class.name,
        description: class.description,
        criteria: class.criteria,
        criteria_url: class.criteria_url,
        tags: class.tags,
        alignments: class.alignments,
        peer_awardable: class.peer_awardable,
    };
    let (fields, image) = api_body(body)?.fields(base)?;
    let image = image.as_deref().map(api_image).transpose()?;
    if !badge_classes::update(&state.db, id, &fields, image.as_ref()).await? {
        return Err(Failure::not_found("badge"));
    }
    tracing::info!(badge_class = id, by = member.id, "badge class edited");
    let class = find(&state, id).await?;
    Ok(Json(api_item(&state, &class)).into_response())
}
