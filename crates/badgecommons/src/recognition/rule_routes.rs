//! The admins' page of award rules (`/admin/rules`: list, create, disable) and the same in the
//! API (`/api/v1/rules`). The rules themselves and their evaluation live in `rules`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};

use super::badge_classes::{self, BadgeClass};
use super::rules::{self, Kind, Rule, RuleError};
use crate::web::{render, render_rejected, AppState, Chrome, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/rules", get(rules_page).post(create_form))
        .route("/admin/rules/{id}/disable", post(disable_form))
        .route("/api/v1/rules", get(list_api).post(create_api))
        .route("/api/v1/rules/{id}/disable", post(disable_api))
}

fn rule_failure(e: RuleError) -> Failure {
    match e {
        RuleError::Invalid(message) => Failure::Invalid(message),
        RuleError::Award(e) => Failure::Internal(e.to_string()),
        RuleError::Database(e) => e.into(),
    }
}

/// A kind as the form's select offers it.
struct KindOption {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "recognition/templates/rules.html")]
struct RulesPage {
    chrome: Chrome,
    rules: Vec<RuleRow>,
    classes: Vec<BadgeClass>,
    kinds: Vec<KindOption>,
    problem: Option<String>,
    /// The form's values, kept when it is refused.
    badge_class_id: i64,
    kind: String,
    threshold: String,
}

/// A rule as the page lists it.
struct RuleRow {
    id: i64,
    badge_class_id: i64,
    badge_name: String,
    description: String,
    kind: &'static str,
    fires: bool,
    created: String,
    disabled: Option<String>,
    awards: i64,
}

impl RuleRow {
    fn new(rule: Rule) -> RuleRow {
        RuleRow {
            id: rule.id,
            badge_class_id: rule.badge_class_id,
            description: rule.description(),
            kind: rule.kind.as_str(),
            fires: rule.kind.fires(),
            created: crate::web::Stamp(rule.created_at).iso(),
            disabled: rule.disabled_at.map(|at| crate::web::Stamp(at).iso()),
            awards: rule.awards,
            badge_name: rule.badge_name,
        }
    }
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    problem: Option<String>,
    fields: Option<&RuleFields>,
) -> Result<RulesPage, Failure> {
    Ok(RulesPage {
        chrome: viewer.chrome(state, "Award rules", "/admin/rules").await?,
        rules: rules::list(&state.db)
            .await?
            .into_iter()
            .map(RuleRow::new)
            .collect(),
        classes: badge_classes::list(&state.db).await?,
        kinds: Kind::ALL
            .iter()
            .map(|k| KindOption {
                value: k.as_str(),
                label: k.label(),
            })
            .collect(),
        problem,
        badge_class_id: fields
            .and_then(|f| f.badge_class_id.trim().parse().ok())
            .unwrap_or(0),
        kind: fields.map(|f| f.kind.clone()).unwrap_or_default(),
        threshold: fields
            .map(|f| f.threshold.clone())
            .unwrap_or_else(|| "1".to_owned()),
    })
}

async fn rules_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.require_admin()?;
    render(&page(&state, &viewer, None, None).await?)
}

/// The form's fields, as text so that a wrong value gets a message rather than a bare 422.
#[derive(Deserialize)]
struct RuleFields {
    #[serde(default)]
    badge_class_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    threshold: String,
}

fn parse_threshold(text: &str) -> Result<Option<i64>, Failure> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        Failure::Invalid(format!(
            "The threshold must be a whole number, not {text:?}."
        ))
    })
}

async fn create_from_form(
    state: &AppState,
    admin_id: i64,
    fields: &RuleFields,
) -> Result<Rule, Failure> {
    let class: i64 = fields
        .badge_class_id
        .trim()
        .parse()
        .map_err(|_| Failure::Invalid("Choose the badge class the rule awards.".into()))?;
    let threshold = parse_threshold(&fields.threshold)?;
    rules::create(state, class, &fields.kind, threshold, admin_id)
        .await
        .map_err(rule_failure)
}

async fn create_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<RuleFields>,
) -> Result<Response, Failure> {
    let admin = viewer.require_admin()?;
    match create_from_form(&state, admin.id, &fields).await {
        Ok(_) => Ok(Redirect::to("/admin/rules").into_response()),
        Err(Failure::Invalid(problem)) => render_rejected(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, &viewer, Some(problem), Some(&fields)).await?,
        ),
        Err(other) => Err(other),
    }
}

async fn disable_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    viewer.require_admin()?;
    rules::disable(&state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("rule"))?;
    Ok(Redirect::to("/admin/rules").into_response())
}

/// A rule in the API.
#[derive(Serialize)]
struct RuleJson {
    id: i64,
    badge_class_id: i64,
    badge_name: String,
    kind: Kind,
    threshold: i64,
    description: String,
    /// False for kinds whose feature does not exist yet (personal_site, decision).
    fires: bool,
    created_at: String,
    disabled_at: Option<String>,
    awards: i64,
}

impl RuleJson {
    fn new(rule: Rule) -> RuleJson {
        RuleJson {
            id: rule.id,
            badge_class_id: rule.badge_class_id,
            kind: rule.kind,
            threshold: rule.threshold,
            description: rule.description(),
            fires: rule.kind.fires(),
            created_at: crate::web::Stamp(rule.created_at).iso(),
            disabled_at: rule.disabled_at.map(|at| crate::web::Stamp(at).iso()),
            awards: rule.awards,
            badge_name: rule.badge_name,
        }
    }
}

async fn list_api(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.require_admin()?;
    let rules: Vec<RuleJson> = rules::list(&state.db)
        .await?
        .into_iter()
        .map(RuleJson::new)
        .collect();
    Ok(Json(serde_json::json!({ "rules": rules })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRule {
    badge_class_id: i64,
    kind: String,
    #[serde(default)]
    threshold: Option<i64>,
}

async fn create_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(body): Json<NewRule>,
) -> Result<Response, Failure> {
    let admin = viewer.require_admin()?;
    let rule = rules::create(
        &state,
        body.badge_class_id,
        &body.kind,
        body.threshold,
        admin.id,
    )
    .await
    .map_err(rule_failure)?;
    Ok((StatusCode::CREATED, Json(RuleJson::new(rule))).into_response())
}

async fn disable_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    viewer.require_admin()?;
    let rule = rules::disable(&state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("rule"))?;
    Ok(Json(RuleJson::new(rule)).into_response())
}
