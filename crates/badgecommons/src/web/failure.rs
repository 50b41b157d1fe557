//! What a request can fail with, and how a failure is shown: an HTML page for people, a
//! `{"error": "..."}` body for `/api/`. Handlers return [`Failure`]; the [`present_failures`]
//! middleware picks the form, so each failure is written once. It also catches the plain-text
//! rejections of axum's own extractors (bad form or JSON bodies, wrong content types), so those
//! get the same treatment.

use askama::Template;
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

/// Why a request could not be served; every variant carries a message a person understands.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    BadRequest(String),
    #[error("{}", if *expired { "Your session has expired: please sign in again." } else { "You need to sign in to do that." })]
    SignInRequired { expired: bool },
    #[error("That username and password do not match.")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Invalid(String),
    #[error("Too many requests: please wait a minute and try again.")]
    TooManyRequests,
    #[error("Something went wrong on our side; it has been logged.")]
    Internal(String),
}

impl Failure {
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::BadRequest(_) => StatusCode::BAD_REQUEST,
            Failure::SignInRequired { .. } | Failure::BadCredentials => StatusCode::UNAUTHORIZED,
            Failure::Forbidden(_) => StatusCode::FORBIDDEN,
            Failure::NotFound(_) => StatusCode::NOT_FOUND,
            Failure::Conflict(_) => StatusCode::CONFLICT,
            Failure::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Failure::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Failure::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn not_found(what: &str) -> Failure {
        Failure::NotFound(format!("No such {what}."))
    }
}

impl From<sqlx::Error> for Failure {
    fn from(err: sqlx::Error) -> Self {
        // PostgreSQL refuses NUL characters in text (SQLSTATE 22021) where SQLite stores them;
        // whatever input slipped past the earlier checks, it is the client's error, not ours.
        if let sqlx::Error::Database(db) = &err {
            if db.code().as_deref() == Some("22021") {
                return Failure::BadRequest("Text must not contain NUL characters.".to_string());
            }
        }
        Failure::Internal(format!("database: {err}"))
    }
}

impl From<askama::Error> for Failure {
    fn from(err: askama::Error) -> Self {
        Failure::Internal(format!("template: {err}"))
    }
}

/// The message of a failure, carried on the response to [`present_failures`].
#[derive(Clone, Debug)]
struct FailureMessage(String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        if let Failure::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let message = self.to_string();
        let mut response = (self.status(), message.clone()).into_response();
        response.extensions_mut().insert(FailureMessage(message));
        response
    }
}

#[derive(Template)]
#[template(path = "web/templates/error.html")]
struct ErrorPage<'a> {
    status: u16,
    reason: &'a str,
    message: &'a str,
    signed_out: bool,
}

/// Turns every 4xx/5xx answer without a body of its own into an HTML page or a JSON error.
pub async fn present_failures(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !is_plain {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let message = match parts.extensions.remove::<FailureMessage>() {
        Some(FailureMessage(message)) => message,
        None => {
            let bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).trim().to_string();
            if text.is_empty() {
                status.canonical_reason().unwrap_or("Error").to_string()
            } else {
                text
            }
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    if api {
        let body = serde_json::json!({ "error": message }).to_string();
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return Response::from_parts(parts, Body::from(body));
    }
    let page = ErrorPage {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("Error"),
        message: &message,
        signed_out: status == StatusCode::UNAUTHORIZED,
    };
    let html = page.render().unwrap_or_else(|_| message.clone());
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::from_parts(parts, Html(html).into_response().into_body())
}
