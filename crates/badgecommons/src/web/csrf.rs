//! Cross-site request forgery protection for every HTML form.
//!
//! The double-submit pattern: each browser gets a random token in an HttpOnly, SameSite=Strict
//! cookie, every form carries the same token in a hidden `csrf_token` field, and a state-changing
//! request whose field does not match its cookie is refused. On top of that an `Origin` header, when
//! the browser sends one, must name this site. It is a middleware rather than an extractor so that
//! no form handler can forget it. The JSON API is exempt: it authenticates with bearer tokens, which
//! a browser never attaches by itself.
//!
//! Forms come url-encoded or, when they upload a file, as `multipart/form-data`; the token is read
//! from either, from a buffered copy of the body (within the route's body limit), so the handler
//! still receives the whole body and there is one check for both.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::{body_limit, AppState, Failure};
use crate::accounts::tokens::new_token;

const COOKIE: &str = "bc_csrf";
const FIELD: &str = "csrf_token";

/// The token that forms rendered for this request must carry.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

pub async fn protect_forms(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let existing = jar
        .get(COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32);
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let is_api = request.uri().path().starts_with("/api/");
    // Other sites post Webmentions: an endpoint for them, not a form of this site's pages.
    let is_webmention = request.uri().path() == "/webmention";
    // WebSub hubs push feed updates to the planet's callbacks (checked by their signature).
    let is_websub = request.uri().path().starts_with("/planet/websub/");

    let request = if unsafe_method && !is_api && !is_webmention && !is_websub {
        match check_form(&state, request, existing.as_deref()).await {
            Ok(request) => request,
            Err(failure) => return failure.into_response(),
        }
    } else {
        request
    };

    let token = existing.clone().unwrap_or_else(new_token);
    let mut request = request;
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if existing.is_none() && !is_api {
        let cookie = Cookie::build((COOKIE, token))
            .path("/")
            .http_only(true)
            .secure(state.settings.https())
            .same_site(SameSite::Strict)
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

async fn check_form(
    state: &AppState,
    request: Request,
    cookie_token: Option<&str>,
) -> Result<Request, Failure> {
    let refused = || {
        Failure::Forbidden(
            "This form has expired or did not come from this site (its CSRF token is missing or \
             wrong). Go back, reload the page and try again."
                .to_string(),
        )
    };
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let same_host = origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host);
        if origin != state.settings.public_url && !same_host {
            return Err(Failure::Forbidden(format!(
                "Cross-site form submission from {origin} refused."
            )));
        }
    }
    let cookie_token = cookie_token.ok_or_else(refused)?;
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, body_limit(parts.uri.path()))
        .await
        .map_err(|_| Failure::BadRequest("The form is too large.".to_string()))?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.as_bytes().to_ascii_lowercase())
        .unwrap_or_default();
    let submitted = if content_type.starts_with(b"application/x-www-form-urlencoded") {
        if let Some(problem) = form_text_problem(&bytes) {
            return Err(Failure::BadRequest(problem.to_string()));
        }
        url::form_urlencoded::parse(&bytes)
            .find(|(key, _)| key == FIELD)
            .map(|(_, value)| value.into_owned())
    } else if content_type.starts_with(b"multipart/form-data") {
        multipart_token(&parts, bytes.clone()).await?
    } else {
        return Err(Failure::UnsupportedMediaType(
            "Forms must be sent as application/x-www-form-urlencoded or multipart/form-data."
                .to_string(),
        ));
    };
    if submitted.as_deref() != Some(cookie_token) {
        return Err(refused());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The first `csrf_token` field of a multipart form, read from a copy of its body.
async fn multipart_token(parts: &Parts, bytes: Bytes) -> Result<Option<String>, Failure> {
    let unreadable =
        |detail: String| Failure::BadRequest(format!("The form cannot be read: {detail}"));
    let copy = Request::from_parts(parts.clone(), Body::from(bytes));
    let mut form = Multipart::from_request(copy, &())
        .await
        .map_err(|e| unreadable(e.body_text()))?;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| unreadable(e.body_text()))?
    {
        if field.name() == Some(FIELD) {
            let token = field.text().await.map_err(|e| unreadable(e.body_text()))?;
            return Ok(Some(token));
        }
    }
    Ok(None)
}

/// Why a url-encoded form is not text the app can store: every decoded field must be UTF-8
/// (axum's `Form` would silently replace bad bytes) and free of NUL (PostgreSQL refuses it).
fn form_text_problem(bytes: &[u8]) -> Option<&'static str> {
    let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16)).map(|d| d as u8);
    for field in bytes.split(|&b| b == b'&') {
        let mut decoded = Vec::with_capacity(field.len());
        let mut i = 0;
        while i < field.len() {
            match (field[i], hex(field.get(i + 1)), hex(field.get(i + 2))) {
                (b'%', Some(high), Some(low)) => {
                    decoded.push(high * 16 + low);
                    i += 3;
                }
                (byte, _, _) => {
                    decoded.push(byte);
                    i += 1;
                }
            }
        }
        match std::str::from_utf8(&decoded) {
            Err(_) => return Some("The form is not valid UTF-8 text."),
            Ok(text) if text.contains('\0') => {
                return Some("The form contains a NUL character, which text cannot hold.")
            }
            Ok(_) => {}
        }
    }
    None
}
