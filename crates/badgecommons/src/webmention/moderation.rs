//! `/admin/webmentions`: moderators approve or reject held mentions and block or unblock
//! domains; admins set whether first mentions from new domains are held and the hourly limit per
//! source domain.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::store::{self, Received};
use crate::web::{render, AppState, Chrome, Failure, Viewer};

#[derive(Template)]
#[template(path = "webmention/templates/admin.html")]
struct AdminPage {
    chrome: Chrome,
    settings: store::Settings,
    held: Vec<Received>,
    recent: Vec<Received>,
    blocked: Vec<String>,
}

pub(super) async fn admin_page(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, Failure> {
    viewer.require_staff()?;
    let chrome = viewer
        .chrome(&state, "Webmentions", "/admin/webmentions")
        .await?;
    render(&AdminPage {
        chrome,
        settings: store::settings(&state.db).await?,
        held: store::received_list(&state.db, Some("held"), 200).await?,
        recent: store::received_list(&state.db, None, 50).await?,
        blocked: store::blocked_domains(&state.db).await?,
    })
}

fn back() -> Response {
    Redirect::to("/admin/webmentions").into_response()
}

pub(super) async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    decide(&state, &viewer, id, true).await
}

pub(super) async fn reject(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    decide(&state, &viewer, id, false).await
}

/// A moderator shows (`approve`) or rejects a held mention.
async fn decide(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    approve: bool,
) -> Result<Response, Failure> {
    viewer.require_staff()?;
    if !store::decide(&state.db, id, approve).await? {
        return Err(Failure::NotFound(
            "No held Webmention with that number: another moderator may have decided it."
                .to_string(),
        ));
    }
    Ok(back())
}

#[derive(Deserialize)]
pub(super) struct DomainForm {
    domain: String,
}

/// A domain as mentions record it: a host name (or address), lower case, perhaps with a port.
fn checked_domain(text: &str) -> Result<String, Failure> {
    let text = text.trim().trim_end_matches('/').to_ascii_lowercase();
    let text = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(&text)
        .to_string();
    let valid = !text.is_empty()
        && text.len() <= 253
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if valid {
        Ok(text)
    } else {
        Err(Failure::BadRequest(format!(
            "{text:?} is not a domain: write it like blog.example.org."
        )))
    }
}

pub(super) async fn block(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<DomainForm>,
) -> Result<Response, Failure> {
    let member = viewer.require_staff()?;
    let domain = checked_domain(&form.domain)?;
    store::block(&state.db, &domain, member.id).await?;
    audit(&state, member.id, "block Webmention domain", &domain).await?;
    Ok(back())
}

pub(super) async fn unblock(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<DomainForm>,
) -> Result<Response, Failure> {
    let member = viewer.require_staff()?;
    let domain = checked_domain(&form.domain)?;
    store::unblock(&state.db, &domain).await?;
    audit(&state, member.id, "unblock Webmention domain", &domain).await?;
    Ok(back())
}

async fn audit(state: &AppState, actor: i64, action: &str, domain: &str) -> Result<(), Failure> {
    let mut tx = state.db.begin().await?;
    crate::moderation::audit(&mut tx, actor, action, domain, "").await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Deserialize)]
pub(super) struct SettingsForm {
    hold_new_domains: Option<String>,
    per_domain_per_hour: String,
}

pub(super) async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<SettingsForm>,
) -> Result<Response, Failure> {
    viewer.require_admin()?;
    let per_hour = form
        .per_domain_per_hour
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=100_000).contains(n))
        .ok_or_else(|| {
            Failure::Invalid(
                "The hourly limit per domain must be a whole number from 1 to 100000.".to_string(),
            )
        })?;
    store::save_settings(
        &state.db,
        store::Settings {
            hold_new_domains: form.hold_new_domains.is_some(),
            per_domain_per_hour: per_hour,
        },
    )
    .await?;
    Ok(back())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised_and_nonsense_is_refused() {
        assert_eq!(
            checked_domain(" https://Blog.Example.org/ ").unwrap(),
            "blog.example.org"
        );
        assert_eq!(checked_domain("127.0.0.1:8080").unwrap(), "127.0.0.1:8080");
        assert!(checked_domain("").is_err());
        assert!(checked_domain("a b").is_err());
        assert!(checked_domain("<script>").is_err());
    }
}
