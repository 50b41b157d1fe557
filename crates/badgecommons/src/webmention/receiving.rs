//! `POST /webmention` and the status page `GET /webmention/{id}`.
//!
//! A request is checked at once (both URLs absolute http(s), different, the target a topic or
//! post of this site, the source's domain neither blocked nor over its hourly limit) and then
//! answered 202 with the status page's address; the source is fetched later, by the verifying
//! job, never while the sender waits.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use url::Url;

use super::{domain_of, store, verifying};
use crate::forum::store as forum;
use crate::web::{render, AppState, Chrome, Failure, Viewer};

#[derive(Deserialize)]
pub(super) struct MentionForm {
    source: Option<String>,
    target: Option<String>,
}

/// Parses a form field as an absolute http(s) URL, or says what is wrong with it.
fn http_url(name: &str, value: Option<&str>) -> Result<Url, Failure> {
    let value = value.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return Err(Failure::BadRequest(format!(
            "The {name} is missing: send the form fields source and target."
        )));
    }
    match Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(url),
        _ => Err(Failure::BadRequest(format!(
            "The {name} {value:?} is not an absolute http(s) URL."
        ))),
    }
}

/// Whether `url` is on the site at `public_url`: the same host and port (a scheme's default port
/// counting as written).
pub(super) fn on_this_site(url: &Url, public_url: &str) -> bool {
    let Ok(site) = Url::parse(public_url) else {
        return false;
    };
    url.host_str()
        .zip(site.host_str())
        .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
        && url.port_or_known_default() == site.port_or_known_default()
}

/// The topic a target of this site is: `/t/{id}`, `/t/{id}/{slug}` (with or without `#p{n}`) or
/// `/p/{id}`; only topics anyone can read.
async fn target_topic(state: &AppState, target: &Url) -> Result<Option<i64>, Failure> {
    let segments: Vec<&str> = target
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let topic_id = match segments.as_slice() {
        ["t", id] | ["t", id, _] => id.parse::<i64>().ok(),
        ["p", id] => match id.parse::<i64>() {
            Ok(post_id) => forum::post(&state.db, post_id)
                .await?
                .filter(|(_, post)| post.is_public())
                .map(|(topic_id, _)| topic_id),
            Err(_) => None,
        },
        _ => None,
    };
    let Some(topic_id) = topic_id else {
        return Ok(None);
    };
    Ok(forum::topic(&state.db, topic_id)
        .await?
        .filter(|t| t.visible_to(None))
        .map(|t| t.id))
}

pub(super) async fn receive(
    State(state): State<AppState>,
    form: Result<Form<MentionForm>, FormRejection>,
) -> Result<Response, Failure> {
    let Form(form) = form.map_err(|_| {
        Failure::BadRequest(
            "Send a Webmention as a form (application/x-www-form-urlencoded) with the fields \
             source and target."
                .to_string(),
        )
    })?;
    let source = http_url("source", form.source.as_deref())?;
    let target = http_url("target", form.target.as_deref())?;
    let (mut bare_source, mut bare_target) = (source.clone(), target.clone());
    bare_source.set_fragment(None);
    bare_target.set_fragment(None);
    if bare_source == bare_target {
        return Err(Failure::BadRequest(
            "The source and the target are the same page: a page cannot mention itself."
                .to_string(),
        ));
    }
    if !on_this_site(&target, &state.settings.public_url) {
        return Err(Failure::BadRequest(format!(
            "The target {target} is not on this site ({}).",
            state.settings.public_url
        )));
    }
    let Some(topic_id) = target_topic(&state, &target).await? else {
        return Err(Failure::BadRequest(format!(
            "The target {target} is not a page that accepts Webmentions: mention a topic \
             (/t/...) or a post (/p/...) that anyone can read."
        )));
    };
    let domain = domain_of(&source);
    if store::is_blocked(&state.db, &domain).await? {
        return Err(Failure::BadRequest(format!(
            "Webmentions from {domain} are not accepted by this community."
        )));
    }
    let settings = store::settings(&state.db).await?;
    if !store::within_rate_limit(&state.db, &domain, settings.per_domain_per_hour).await? {
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "3600")],
            format!(
                "Too many Webmentions from {domain}: at most {} an hour are accepted. Try again \
                 later.",
                settings.per_domain_per_hour
            ),
        )
            .into_response());
    }
    let id = store::record(
        &state.db,
        source.as_str(),
        target.as_str(),
        &domain,
        topic_id,
    )
    .await?;
    verifying::run_soon(&state);
    let location = format!("/webmention/{id}");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location.clone())],
        format!(
            "Accepted for verification. Its status: {}\n",
            state.url(&location)
        ),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "webmention/templates/status.html")]
struct StatusPage {
    chrome: Chrome,
    mention: store::Received,
}

pub(super) async fn status(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let mention = match id.parse::<i64>() {
        Ok(id) => store::received(&state.db, id).await?,
        Err(_) => None,
    }
    .ok_or_else(|| Failure::not_found("Webmention"))?;
    let wants_json = crate::web::negotiate::preferred(&headers, &["text/html", "application/json"])
        == "application/json";
    if wants_json {
        return Ok(Json(serde_json::json!({
            "id": mention.id,
            "source": mention.source,
            "target": mention.target,
            "status": mention.shown_status(),
            "reason": mention.explanation(),
            "kind": mention.kind,
        }))
        .into_response());
    }
    let path = format!("/webmention/{}", mention.id);
    let chrome = viewer.chrome(&state, "Webmention status", &path).await?;
    render(&StatusPage { chrome, mention })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_site_is_its_host_and_port() {
        let url = |u: &str| Url::parse(u).unwrap();
        assert!(!on_this_site(
            &url("http://forum.example.org/t/1"),
            "https://forum.example.org"
        ));
        assert!(on_this_site(
            &url("https://FORUM.example.org/t/1"),
            "https://forum.example.org"
        ));
        assert!(on_this_site(
            &url("http://127.0.0.1:8080/t/1"),
            "http://127.0.0.1:8080"
        ));
        assert!(!on_this_site(
            &url("http://127.0.0.1:8081/t/1"),
            "http://127.0.0.1:8080"
        ));
        assert!(!on_this_site(
            &url("https://forum.example.org.evil.test/t/1"),
            "https://forum.example.org"
        ));
    }
}
