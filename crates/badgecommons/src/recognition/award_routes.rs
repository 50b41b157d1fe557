//! The issuer's and the awards' public URLs, and the forms and API that make and revoke awards,
//! show or hide them on the recipient's profile, and read or change the issuer profile.
//!
//! Content negotiation on `/issuer` and `/credentials/{id}` follows what the Open Badges tools
//! ask for: `application/vc+ld+json` gets the OB 3.0 credential, `application/ld+json` and
//! `application/json` the OB 2.0 documents older backpacks and validators fetch, anything else
//! the HTML page. Each machine form also has its own URL (`.json`, `/ob2.json`, `.png`, `.svg`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use openbadges::bake::{self, BadgeVersion};
use serde::Deserialize;
use serde_json::{json, Value};

use super::awards::{self, Award, AwardError, EvidenceLink, NewAward};
use super::{badge_classes, documents, issuer_profile};
use crate::web::{render, AppState, Chrome, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/did.json", get(did_document))
        .route("/did.json", get(did_document))
        .route("/issuer", get(issuer_page))
        .route("/issuer.json", get(issuer_ob2))
        .route("/issuer/ob2.json", get(issuer_ob2))
        .route("/issuer/ob3.json", get(issuer_ob3))
        .route("/issuer/image", get(issuer_image))
        .route("/admin/issuer", get(issuer_form).post(save_issuer))
        .route("/credentials/{id}", get(credential))
        .route("/credentials/{id}/ob2.json", get(credential_ob2))
        .route("/credentials/{id}/ob2.png", get(credential_ob2_png))
        .route("/credentials/{id}/revoke", post(revoke_form))
        .route("/credentials/{id}/visibility", post(visibility_form))
        .route("/credentials/status/{list}", get(status_list))
        .route("/badges/{id}/awards", post(award_form))
        .route("/api/v1/badges/{id}/awards", post(award_api))
        .route("/api/v1/awards/{id}/revoke", post(revoke_api))
        .route("/api/v1/awards/{id}/visibility", post(visibility_api))
        .route("/api/v1/issuer", get(issuer_api).patch(patch_issuer_api))
}

/// What a request's `Accept` asks for, of the forms the credential and issuer URLs have.
#[derive(PartialEq)]
enum Wanted {
    Ob3,
    Ob2,
    Html,
}

fn wanted(headers: &HeaderMap) -> Wanted {
    match crate::web::negotiate::preferred(
        headers,
        &[
            "text/html",
            "application/vc+ld+json",
            "application/vc",
            "application/ld+json",
            "application/json",
        ],
    ) {
        "application/vc+ld+json" | "application/vc" => Wanted::Ob3,
        "application/ld+json" | "application/json" => Wanted::Ob2,
        _ => Wanted::Html,
    }
}

async fn did_document(State(state): State<AppState>) -> Response {
    documents::json_document("application/did+json", &state.issuer.did_document())
}

#[derive(Template)]
#[template(path = "recognition/templates/issuer.html")]
struct IssuerPage {
    chrome: Chrome,
    profile: issuer_profile::IssuerProfile,
    profile_url: String,
    did: String,
    badges: Vec<badge_classes::BadgeClass>,
}

async fn issuer_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let profile = issuer_profile::get(&state).await?;
    match wanted(&headers) {
        Wanted::Ob2 => Ok(documents::json_document(
            "application/ld+json",
            &documents::ob2_profile(&state, &profile),
        )),
        Wanted::Ob3 => Ok(documents::json_document(
            "application/ld+json",
            &ob3_profile_document(&state, &profile),
        )),
        Wanted::Html => render(&IssuerPage {
            chrome: viewer.chrome(&state, "Issuer", "/issuer").await?,
            profile_url: profile.url_or(&state),
            did: state.issuer.did.clone(),
            badges: badge_classes::list(&state.db).await?,
            profile,
        }),
    }
}

fn ob3_profile_document(state: &AppState, profile: &issuer_profile::IssuerProfile) -> Value {
    let mut doc = documents::ob3_profile(state, profile);
    doc["@context"] = json!([
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    ]);
    doc
}

async fn issuer_ob2(State(state): State<AppState>) -> Result<Response, Failure> {
    let profile = issuer_profile::get(&state).await?;
    Ok(documents::json_document(
        "application/ld+json",
        &documents::ob2_profile(&state, &profile),
    ))
}

async fn issuer_ob3(State(state): State<AppState>) -> Result<Response, Failure> {
    let profile = issuer_profile::get(&state).await?;
    Ok(documents::json_document(
        "application/ld+json",
        &ob3_profile_document(&state, &profile),
    ))
}

async fn issuer_image(State(state): State<AppState>) -> Result<Response, Failure> {
    let (bytes, kind) = issuer_profile::image(&state.db)
        .await?
        .ok_or_else(|| Failure::NotFound("The issuer has no image.".into()))?;
    Ok(super::images::serve(bytes, &kind))
}

#[derive(Template)]
#[template(path = "recognition/templates/issuer_form.html")]
struct IssuerForm {
    chrome: Chrome,
    profile: issuer_profile::IssuerProfile,
    saved: bool,
}

async fn issuer_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.require_admin()?;
    render(&IssuerForm {
        chrome: viewer
            .chrome(&state, "Issuer profile", "/admin/issuer")
            .await?,
        profile: issuer_profile::get(&state).await?,
        saved: false,
    })
}

/// Saves the issuer profile from its form (multipart: it may carry a new image).
async fn save_issuer(
    State(state): State<AppState>,
    viewer: Viewer,
    form: axum::extract::Multipart,
) -> Result<Response, Failure> {
    viewer.require_admin()?;
    let form = crate::web::multipart::read(form, "image").await?;
    // The form always sends every field: an emptied one clears it (the name is refused).
    let changes = IssuerChanges {
        name: Some(form.get("name").to_owned()),
        url: Some(form.get("url").to_owned()),
        email: Some(form.get("email").to_owned()),
        description: Some(form.get("description").to_owned()),
        image: form.file.as_deref().map(super::images::check_image),
    };
    let profile = update_issuer(&state, changes).await?;
    render(&IssuerForm {
        chrome: viewer
            .chrome(&state, "Issuer profile", "/admin/issuer")
            .await?,
        profile,
        saved: true,
    })
}

/// Changes to the issuer profile, from its form or `PATCH /api/v1/issuer`; `None` keeps a field.
struct IssuerChanges {
    name: Option<String>,
    url: Option<String>,
    email: Option<String>,
    description: Option<String>,
    /// A new image, as read (and checked, or refused) from an upload or a data URI.
    image: Option<Result<super::images::CheckedImage, super::images::ImageError>>,
}

/// Checks the changes and saves them, all or nothing; the one place the form and the API check
/// the issuer profile, so that both accept exactly the same.
async fn update_issuer(
    state: &AppState,
    changes: IssuerChanges,
) -> Result<issuer_profile::IssuerProfile, Failure> {
    let mut profile = issuer_profile::get(state).await?;
    if let Some(name) = changes.name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Failure::Invalid(
                "The issuer needs a name of at most 200 characters.".into(),
            ));
        }
        profile.name = name.to_owned();
    }
    if let Some(url) = changes.url {
        let url = url.trim();
        if !url.is_empty() && !badge_classes::is_http_url(url) {
            return Err(Failure::Invalid(format!("{url:?} is not an http(s) URL.")));
        }
        profile.url = url.to_owned();
    }
    if let Some(email) = changes.email {
        let email = email.trim();
        profile.email = if email.is_empty() {
            String::new()
        } else {
            awards::normalise_email(email)
                .ok_or_else(|| Failure::Invalid(format!("{email:?} is not an email address.")))?
        };
    }
    if let Some(description) = changes.description {
        profile.description = description.trim().to_owned();
    }
    let image = changes
        .image
        .transpose()
        .map_err(|e| Failure::Invalid(e.to_string()))?
        .map(|checked| (checked.bytes.clone(), checked.content_type().to_owned()));
    profile.has_image |= image.is_some();
    issuer_profile::save(&state.db, &profile, image).await?;
    Ok(profile)
}

/// The issuer profile as `/api/v1/issuer` gives it.
fn issuer_json(state: &AppState, profile: &issuer_profile::IssuerProfile) -> Value {
    json!({
        "name": profile.name,
        "url": profile.url_or(state),
        "email": profile.email,
        "description": profile.description,
        "imageUrl": profile.has_image.then(|| state.url("/issuer/image")),
        "did": state.issuer.did,
        "profiles": {
            "html": state.url("/issuer"),
            "ob2": state.url("/issuer/ob2.json"),
            "ob3": state.url("/issuer/ob3.json"),
            "did": state.url("/.well-known/did.json"),
        },
    })
}

/// `GET /api/v1/issuer`: public, like `/issuer`.
async fn issuer_api(State(state): State<AppState>) -> Result<Response, Failure> {
    let profile = issuer_profile::get(&state).await?;
    Ok(Json(issuer_json(&state, &profile)).into_response())
}

/// `PATCH /api/v1/issuer` body: any of the fields; `image` is a `data:` URI.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerPatch {
    name: Option<String>,
    url: Option<String>,
    email: Option<String>,
    description: Option<String>,
    image: Option<String>,
}

async fn patch_issuer_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(body): Json<IssuerPatch>,
) -> Result<Response, Failure> {
    viewer.require_admin()?;
    let changes = IssuerChanges {
        name: body.name,
        url: body.url,
        email: body.email,
        description: body.description,
        image: body
            .image
            .as_deref()
            .map(super::images::image_from_data_uri),
    };
    let profile = update_issuer(&state, changes).await?;
    Ok(Json(issuer_json(&state, &profile)).into_response())
}

#[derive(Template)]
#[template(path = "recognition/templates/credential.html")]
struct CredentialPage {
    chrome: Chrome,
    award: Award,
    class: badge_classes::BadgeClass,
    issuer_name: String,
    issued: String,
    revoked: Option<String>,
    credential_url: String,
    can_revoke: bool,
}

/// `/credentials/{id}`, `{id}.json`, `{id}.png` and `{id}.svg`.
async fn credential(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let (id, form) = match id.rsplit_once('.') {
        Some((id, ext @ ("json" | "png" | "svg"))) => (id.to_owned(), Some(ext)),
        _ => (id, None),
    };
    let award = find(&state, &id).await?;
    let wanted = match form {
        Some("json") => Wanted::Ob3,
        Some(_) => Wanted::Html,
        None => wanted(&headers),
    };
    match (form, wanted) {
        (Some(ext @ ("png" | "svg")), _) => baked(&state, &award, ext).await,
        (_, Wanted::Ob3) => Ok(documents::json_document(
            "application/vc+ld+json",
            &serde_json::from_str(&award.credential).unwrap_or(Value::Null),
        )),
        // The OB 2.0 assertion's id is its own URL, which hosted verification compares with
        // where the document was found: send the asker there.
        (_, Wanted::Ob2) => {
            Ok(Redirect::to(&format!("/credentials/{}/ob2.json", award.id)).into_response())
        }
        (_, Wanted::Html) => {
            let class = badge_classes::get(&state.db, award.badge_class_id)
                .await?
                .ok_or_else(|| Failure::NotFound("That badge class is gone.".into()))?;
            render(&CredentialPage {
                chrome: viewer
                    .chrome(&state, &award.badge_name, &format!("/credentials/{id}"))
                    .await?,
                issuer_name: issuer_profile::get(&state).await?.name,
                issued: crate::web::Stamp(award.issued_at).iso(),
                revoked: award.revoked_at.map(|at| crate::web::Stamp(at).iso()),
                credential_url: documents::credential_url(&state, &award.id),
                can_revoke: viewer.require_admin().is_ok() && award.revoked_at.is_none(),
                class,
                award,
            })
        }
    }
}

async fn credential_ob2(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let award = find(&state, &id).await?;
    Ok(documents::json_document(
        "application/ld+json",
        &documents::ob2_assertion(&state, &award),
    ))
}

/// `/credentials/{id}/ob2.png`: the badge image baked as Open Badges 2.0 specifies (iTXt keyword
/// `openbadges`, holding the hosted assertion's URL), for OB 2.0 backpacks and validators that
/// cannot read the OB 3.0 credential `/credentials/{id}.png` carries.
async fn credential_ob2_png(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let award = find(&state, &id).await?;
    let (image, kind) = badge_classes::image(&state.db, award.badge_class_id)
        .await?
        .ok_or_else(|| Failure::NotFound("That badge class has no image.".into()))?;
    // As for `{id}.png`: an SVG badge has no PNG form, so the default image carries the URL.
    let image = if kind == "image/png" {
        image
    } else {
        super::images::default_png()
    };
    let assertion_url = state.url(&format!("/credentials/{}/ob2.json", award.id));
    let baked = bake::bake(&image, BadgeVersion::V2, &assertion_url)
        .map_err(|e| Failure::Internal(format!("baking award {}: {e}", award.id)))?;
    let filename = format!("attachment; filename=\"badge-{}-ob2.png\"", award.id);
    Ok((
        [
            (header::CONTENT_TYPE, "image/png".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        baked,
    )
        .into_response())
}

async fn find(state: &AppState, id: &str) -> Result<Award, Failure> {
    awards::get(&state.db, id)
        .await?
        .ok_or_else(|| Failure::NotFound("There is no such credential.".into()))
}

/// The badge class's image with the OB 3.0 credential baked in.
async fn baked(state: &AppState, award: &Award, ext: &str) -> Result<Response, Failure> {
    let baked = baked_image(state, award, ext).await?;
    let content_type = if ext == "png" {
        "image/png"
    } else {
        "image/svg+xml"
    };
    let filename = format!("attachment; filename=\"badge-{}.{ext}\"", award.id);
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, filename),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'".to_owned(),
            ),
        ],
        baked,
    )
        .into_response())
}

/// The bytes of `/credentials/{id}.png` or `.svg` (`ext`), also written into backpack exports.
pub(crate) async fn baked_image(
    state: &AppState,
    award: &Award,
    ext: &str,
) -> Result<Vec<u8>, Failure> {
    let (image, kind) = badge_classes::image(&state.db, award.badge_class_id)
        .await?
        .ok_or_else(|| Failure::NotFound("That badge class has no image.".into()))?;
    let image = match (ext, kind.as_str()) {
        ("png", "image/png") | ("svg", "image/svg+xml") => image,
        ("svg", _) => super::images::png_in_svg(&image).into_bytes(),
        // An SVG badge has no PNG form without rasterising it; the default image carries the
        // credential instead, so a PNG backpack still gets the badge.
        _ => super::images::default_png(),
    };
    bake::bake(&image, BadgeVersion::V3, &award.credential)
        .map_err(|e| Failure::Internal(format!("baking award {}: {e}", award.id)))
}

async fn status_list(
    State(state): State<AppState>,
    Path(list): Path<i64>,
) -> Result<Response, Failure> {
    if !awards::status_list_exists(&state.db, list).await? {
        return Err(Failure::NotFound("There is no such status list.".into()));
    }
    let revoked = awards::revoked_indices(&state.db, list).await?;
    let signed = signed_status_list(&state, list, revoked)?;
    let mut response = documents::json_document("application/vc+ld+json", &signed);
    // Revocations must show within one request: never cached.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Signed status lists by (verification method, list), each with the revoked indices it was made
/// from. Every verification of this instance's badges fetches a list, and signing (RDF
/// canonicalisation, Ed25519) and compressing it is most of that request's work; the list only
/// changes when an award in it is revoked, which the database query above still sees on every
/// request, so a cached list is never stale, in any number of processes.
type StatusListCache =
    std::sync::Mutex<std::collections::HashMap<(String, i64), (Vec<i64>, Value)>>;
static STATUS_LISTS: std::sync::OnceLock<StatusListCache> = std::sync::OnceLock::new();

fn signed_status_list(state: &AppState, list: i64, revoked: Vec<i64>) -> Result<Value, Failure> {
    let (key, method) = state.issuer.signing_key();
    let cache_key = (method.to_string(), list);
    let cache = STATUS_LISTS.get_or_init(Default::default);
    if let Ok(cached) = cache.lock() {
        if let Some((made_from, signed)) = cached.get(&cache_key) {
            if *made_from == revoked {
                return Ok(signed.clone());
            }
        }
    }
    let now = crate::store::now();
    let unsigned = documents::status_list_credential(state, list, &revoked, now);
    let signed = openbadges::proof::data_integrity::sign(
        &unsigned,
        key,
        method,
        &crate::web::Stamp(now).iso(),
    )
    .map_err(|e| Failure::Internal(format!("signing status list {list}: {e}")))?;
    if let Ok(mut cached) = cache.lock() {
        cached.insert(cache_key, (revoked, signed.clone()));
    }
    Ok(signed)
}

#[derive(Deserialize)]
struct AwardFields {
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    narrative: String,
    /// One link per line.
    #[serde(default)]
    evidence: String,
}

async fn award_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(badge_class_id): Path<i64>,
    Form(fields): Form<AwardFields>,
) -> Result<Response, Failure> {
    let giver = viewer.require_member()?;
    let evidence = fields
        .evidence
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|url| EvidenceLink {
            url: url.to_owned(),
            name: String::new(),
        })
        .collect();
    let who = Who::from_field(fields.recipient.trim());
    let new = if giver.is_staff() {
        recipient(&state, who, &fields.name).await?
    } else {
        peer_recipient(&state, badge_class_id, giver, who, &fields.narrative).await?
    };
    let award = awards::award(
        &state,
        NewAward {
            badge_class_id,
            narrative: fields.narrative,
            evidence,
            awarded_by: Some(giver.id),
            ..new
        },
    )
    .await
    .map_err(award_failure)?;
    Ok(Redirect::to(&format!("/credentials/{}", award.id)).into_response())
}

/// Open recognition: a member gives a peer-awardable badge to another member, with a
/// statement that becomes the credential's evidence.
async fn peer_recipient(
    state: &AppState,
    badge_class_id: i64,
    giver: &crate::accounts::model::Member,
    who: Who<'_>,
    statement: &str,
) -> Result<NewAward, Failure> {
    let class = badge_classes::get(&state.db, badge_class_id)
        .await?
        .ok_or_else(|| Failure::not_found("badge"))?;
    if !class.peer_awardable {
        return Err(Failure::Forbidden(
            "Only moderators and admins award this badge.".into(),
        ));
    }
    let Who::Username(username) = who else {
        return Err(Failure::Invalid(
            "Members award badges to other members, by username.".into(),
        ));
    };
    if username.eq_ignore_ascii_case(&giver.username) {
        return Err(Failure::Invalid(
            "A badge is recognition from others: you cannot award it to yourself.".into(),
        ));
    }
    if statement.trim().is_empty() {
        return Err(Failure::Invalid(
            "Say why you award it: your statement is the badge's evidence.".into(),
        ));
    }
    recipient(state, who, "").await
}

/// Who receives an award: a member by username, or anyone by email address.
enum Who<'a> {
    Username(&'a str),
    Email(&'a str),
}

impl<'a> Who<'a> {
    /// A form's single field: an address when it has an `@`.
    fn from_field(text: &'a str) -> Who<'a> {
        if text.contains('@') {
            Who::Email(text)
        } else {
            Who::Username(text)
        }
    }
}

/// The recipient part of an award (a member's own address makes the award theirs).
async fn recipient(state: &AppState, who: Who<'_>, name: &str) -> Result<NewAward, Failure> {
    let (text, member) = match who {
        Who::Username(username) => {
            let username = username.trim();
            if username.is_empty() {
                return Err(Failure::Invalid(
                    "Say who receives the badge: a member's username or an email address.".into(),
                ));
            }
            let member = awards::find_member(&state.db, username)
                .await?
                .ok_or_else(|| {
                    Failure::Invalid(format!("There is no member called {username:?}."))
                })?;
            (username, Some(member))
        }
        Who::Email(email) => {
            let email = email.trim();
            let normalised = awards::normalise_email(email)
                .ok_or_else(|| Failure::Invalid(format!("{email:?} is not an email address.")))?;
            (email, awards::find_member(&state.db, &normalised).await?)
        }
    };
    Ok(match member {
        Some(member) => NewAward {
            recipient_user_id: Some(member.id),
            recipient_email: member.email.clone(),
            recipient_name: if name.trim().is_empty() {
                member.username.clone()
            } else {
                name.to_owned()
            },
            ..NewAward::default()
        },
        None => NewAward {
            recipient_email: text.to_owned(),
            recipient_name: name.to_owned(),
            ..NewAward::default()
        },
    })
}

fn award_failure(e: AwardError) -> Failure {
    match e {
        AwardError::NoSuchBadge(_) => Failure::NotFound(e.to_string()),
        AwardError::InvalidEmail(_) | AwardError::InvalidEvidence(_) => {
            Failure::Invalid(e.to_string())
        }
        AwardError::Signing(_) => Failure::Internal(e.to_string()),
        AwardError::Database(e) => e.into(),
    }
}

#[derive(Deserialize)]
struct RevokeFields {
    #[serde(default)]
    reason: String,
}

async fn revoke_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<RevokeFields>,
) -> Result<Response, Failure> {
    let admin = viewer.require_admin()?;
    revoke(&state, &id, &fields.reason, admin.id).await?;
    Ok(Redirect::to(&format!("/credentials/{id}")).into_response())
}

/// The show/hide-on-my-profile form of awards and imported badges.
#[derive(Deserialize)]
pub(crate) struct VisibilityFields {
    show: String,
}

impl VisibilityFields {
    /// Whether the badge is to be hidden (`show=no`) or shown (`show=yes`).
    pub(crate) fn hidden(&self) -> Result<bool, Failure> {
        match self.show.as_str() {
            "yes" => Ok(false),
            "no" => Ok(true),
            other => Err(Failure::BadRequest(format!(
                "show must be yes or no, not {other:?}."
            ))),
        }
    }
}

/// A recipient shows or hides one of their badges on their profile.
async fn visibility_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<VisibilityFields>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let hidden = fields.hidden()?;
    if !awards::set_hidden(&state.db, &id, member.id, hidden).await? {
        return Err(Failure::Forbidden(
            "Only the badge's recipient decides whether it shows on their profile.".into(),
        ));
    }
    Ok(Redirect::to(&format!("/u/{}", member.username)).into_response())
}

/// `POST /api/v1/awards/{id}/visibility` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VisibilityRequest {
    show: bool,
}

/// The API form of [`visibility_form`]: the same rule, the recipient alone decides.
async fn visibility_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(body): Json<VisibilityRequest>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    if !awards::set_hidden(&state.db, &id, member.id, !body.show).await? {
        return Err(Failure::Forbidden(
            "Only the badge's recipient decides whether it shows on their profile.".into(),
        ));
    }
    Ok(Json(json!({"id": id, "shown": body.show})).into_response())
}

async fn revoke(state: &AppState, id: &str, reason: &str, by: i64) -> Result<(), Failure> {
    if reason.trim().is_empty() {
        return Err(Failure::Invalid(
            "Give a reason: the revocation is published with it.".into(),
        ));
    }
    if !awards::revoke(&state.db, id, reason, by).await? {
        return Err(Failure::NotFound("There is no such credential.".into()));
    }
    Ok(())
}

/// `POST /api/v1/badges/{id}/awards` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AwardRequest {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    evidence: EvidenceInput,
}

/// Evidence as one URL, a list of URLs, or a list of `{url, name}`.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum EvidenceInput {
    #[default]
    None,
    One(String),
    Many(Vec<EvidenceItem>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum EvidenceItem {
    Url(String),
    Link {
        url: String,
        #[serde(default)]
        name: String,
    },
}

impl EvidenceInput {
    fn links(self) -> Vec<EvidenceLink> {
        match self {
            EvidenceInput::None => Vec::new(),
            EvidenceInput::One(url) => vec![EvidenceLink {
                url,
                name: String::new(),
            }],
            EvidenceInput::Many(items) => items
                .into_iter()
                .map(|item| match item {
                    EvidenceItem::Url(url) => EvidenceLink {
                        url,
                        name: String::new(),
                    },
                    EvidenceItem::Link { url, name } => EvidenceLink { url, name },
                })
                .collect(),
        }
    }
}

async fn award_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(badge_class_id): Path<i64>,
    Json(body): Json<AwardRequest>,
) -> Result<Response, Failure> {
    let giver = viewer.require_member()?;
    let who = match (body.username.as_deref(), body.email.as_deref()) {
        (Some(username), None) => Who::Username(username),
        (None, Some(email)) => Who::Email(email),
        _ => {
            return Err(Failure::BadRequest(
                "Give exactly one of \"username\" and \"email\".".into(),
            ))
        }
    };
    // Members award peer-awardable badges with exactly the form's rules.
    let new = if giver.is_staff() {
        recipient(&state, who, &body.name).await?
    } else {
        peer_recipient(&state, badge_class_id, giver, who, &body.narrative).await?
    };
    let award = awards::award(
        &state,
        NewAward {
            badge_class_id,
            narrative: body.narrative,
            evidence: body.evidence.links(),
            awarded_by: Some(giver.id),
            ..new
        },
    )
    .await
    .map_err(award_failure)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": award.id,
            "url": documents::credential_url(&state, &award.id),
        })),
    )
        .into_response())
}

async fn revoke_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(fields): Json<RevokeFields>,
) -> Result<Response, Failure> {
    let admin = viewer.require_admin()?;
    revoke(&state, &id, &fields.reason, admin.id).await?;
    Ok(Json(json!({"id": id, "revoked": true})).into_response())
}
