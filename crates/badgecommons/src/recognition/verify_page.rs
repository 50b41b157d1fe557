//! Verify any badge: the `/verify` page and `POST /api/v1/verify`.
//!
//! Both take the same three kinds of input — an http(s) URL, a pasted credential (JSON or a
//! JWS/JWT) or a baked PNG/SVG image — and run `openbadges`' verifier over them through the
//! app's guarded fetcher. The API answers the report exactly as `badgecommons verify --json`
//! prints it; the page shows it as a checklist with what a displayer must show beside it (see
//! `verify_display`). Both are public and share one per-address rate limit, since every
//! verification may make the server fetch several documents from other sites.
//!
//! A request is refused (4xx) only when it is itself unusable: no input, more than one, a URL
//! that is not http(s), an image over the size limit, a body that cannot be read. Anything that
//! reaches the verifier — even something that turns out not to be a badge, or a URL the guard
//! refuses to fetch — gets a report, because the report says why.

use std::net::SocketAddr;

use askama::Template;
use axum::body::{to_bytes, Bytes};
use axum::extract::{ConnectInfo, FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use openbadges::verify::{verify_bytes, verify_url, Fetch, Options, Report};
use serde_json::Value;

use super::verify_display::{Recording, ResultView};
use crate::web::{body_limit, render, render_rejected, AppState, Chrome, Failure, Viewer};

/// The largest baked image accepted. Badge images are typically a few hundred kilobytes.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// The routes that accept an uploaded image, and so a larger body (see `web::body_limit`).
pub const UPLOAD_PATHS: [&str; 2] = ["/verify", "/api/v1/verify"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/verify", get(verify_page).post(verify_submitted))
        .route("/api/v1/verify", post(verify_api))
}

/// What was given to verify (the backpack imports the same three kinds).
pub(crate) enum Input {
    Url(String),
    /// Pasted JSON, a JWS/JWT, or (from the API) a credential given as a JSON object.
    Text(String),
    Image(Bytes),
}

impl Input {
    /// Verifies the input; `fetch` reaches other sites.
    async fn verify(&self, fetch: &dyn Fetch) -> Report {
        self.verify_with(&Options::default(), fetch).await
    }

    /// Verifies the input with `options` (the backpack names the expected recipient).
    pub(crate) async fn verify_with(&self, options: &Options, fetch: &dyn Fetch) -> Report {
        match self {
            Input::Url(url) => verify_url(url, options, fetch).await,
            Input::Text(text) => verify_bytes(text.as_bytes(), options, fetch).await,
            Input::Image(bytes) => verify_bytes(bytes, options, fetch).await,
        }
    }
}

/// Why a request gave nothing to verify; shown on the form or as `{"error"}`.
pub(crate) struct Problem {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl Problem {
    fn bad(message: impl Into<String>) -> Problem {
        Problem {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    fn image_too_large() -> Problem {
        Problem {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: format!(
                "The image is too large: a badge image may be at most {} MB.",
                MAX_IMAGE_BYTES / (1024 * 1024)
            ),
        }
    }
}

/// The API's plain-text error, which `web::failure` turns into `{"error": ...}`.
impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        (self.status, self.message).into_response()
    }
}

/// The fields of a verify form or multipart API call, as sent.
#[derive(Default)]
struct Fields {
    url: String,
    credential: String,
    image: Option<Bytes>,
}

impl Fields {
    /// Reads the fields this feature knows (`url`, `credential`, `image`); the rest, such as
    /// the CSRF token (which the middleware has already checked), is not looked at.
    async fn read(form: Multipart) -> Result<Fields, Problem> {
        use crate::web::multipart::{read_limited, FormError};
        let mut form = read_limited(form, "image", MAX_IMAGE_BYTES)
            .await
            .map_err(|error| match error {
                FormError::FileTooLarge => Problem::image_too_large(),
                FormError::Unreadable(why) => {
                    Problem::bad(format!("The form cannot be read: {why}"))
                }
                FormError::NotText(name) => {
                    Problem::bad(format!("The form field {name:?} is not UTF-8 text."))
                }
            })?;
        Ok(Fields {
            url: form.text.remove("url").unwrap_or_default(),
            credential: form.text.remove("credential").unwrap_or_default(),
            image: form.file.map(Bytes::from),
        })
    }

    /// The one input given, or why there is not exactly one.
    fn input(self) -> Result<Input, Problem> {
        let url = self.url.trim();
        let credential = self.credential.trim();
        let mut given = Vec::new();
        if !url.is_empty() {
            given.push("a URL");
        }
        if !credential.is_empty() {
            given.push("a pasted credential");
        }
        if self.image.is_some() {
            given.push("an image");
        }
        match given.len() {
            0 => Err(Problem::bad(
                "There is nothing to verify: give a badge's URL, paste a credential (JSON or \
                 JWT), or upload a baked badge image.",
            )),
            1 => {
                if !url.is_empty() {
                    checked_url(url).map(Input::Url)
                } else if !credential.is_empty() {
                    Ok(Input::Text(credential.to_string()))
                } else {
                    self.image
                        .map(Input::Image)
                        .ok_or_else(|| Problem::bad("The image is empty."))
                }
            }
            _ => Err(Problem::bad(format!(
                "Give only one badge to verify: you gave {}.",
                given.join(" and ")
            ))),
        }
    }
}

/// The one input of a multipart form with `url`, `credential` and `image` fields (the verify and
/// backpack forms), or why there is not exactly one.
pub(crate) async fn form_input(form: Multipart) -> Result<Input, Problem> {
    Fields::read(form).await?.input()
}

/// The URL, if it is one the verifier can fetch at all (the guard decides about its address).
fn checked_url(text: &str) -> Result<String, Problem> {
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(url.to_string())
        }
        _ => Err(Problem::bad(format!(
            "{:?} is not an http(s) URL.",
            text.chars().take(200).collect::<String>()
        ))),
    }
}

#[derive(Template)]
#[template(path = "recognition/templates/verify.html")]
struct VerifyPage {
    chrome: Chrome,
    problem: Option<String>,
    url: String,
    credential: String,
    result: Option<ResultView>,
    max_image_mb: usize,
}

impl VerifyPage {
    async fn new(state: &AppState, viewer: &Viewer) -> Result<VerifyPage, Failure> {
        let chrome = viewer
            .chrome(state, "Verify a badge", "/verify")
            .await?
            .with_description(
                "Verify any Open Badge: a URL, a pasted credential (JSON or JWT) or a baked image.",
            );
        Ok(VerifyPage {
            chrome,
            problem: None,
            url: String::new(),
            credential: String::new(),
            result: None,
            max_image_mb: MAX_IMAGE_BYTES / (1024 * 1024),
        })
    }
}

async fn verify_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    render(&VerifyPage::new(&state, &viewer).await?)
}

async fn verify_submitted(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
    request: Request,
) -> Result<Response, Failure> {
    state.limits.verify(client.ip())?;
    let mut page = VerifyPage::new(&state, &viewer).await?;
    let form = Multipart::from_request(request, &()).await.map_err(|_| {
        Failure::UnsupportedMediaType(
            "The verify form must be sent as multipart/form-data.".to_string(),
        )
    })?;
    let fields = match Fields::read(form).await {
        Ok(fields) => fields,
        Err(problem) => {
            page.problem = Some(problem.message);
            return render_rejected(problem.status, &page);
        }
    };
    // Keep what was typed, so a mistake can be corrected rather than retyped.
    page.url = fields.url.clone();
    page.credential = fields.credential.clone();
    let input = match fields.input() {
        Ok(input) => input,
        Err(problem) => {
            page.problem = Some(problem.message);
            return render_rejected(problem.status, &page);
        }
    };
    let recording = Recording::new(&*state.fetcher);
    let report = input.verify(&recording).await;
    tracing::info!(format = %report.format, valid = report.valid, "verified a badge");
    page.result = Some(ResultView::new(&report, &input, &recording.documents()));
    render(&page)
}

async fn verify_api(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
) -> Result<Response, Failure> {
    state.limits.verify(client.ip())?;
    let input = match api_input(request).await {
        Ok(input) => input,
        Err(problem) => return Ok(problem.into_response()),
    };
    let report = input.verify(&*state.fetcher).await;
    tracing::info!(format = %report.format, valid = report.valid, "verified a badge (API)");
    Ok(Json(report).into_response())
}

/// The input of an API call: JSON `{"url"}` or `{"credential"}`, or a multipart `image`.
pub(crate) async fn api_input(request: Request) -> Result<Input, Problem> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let form = Multipart::from_request(request, &())
            .await
            .map_err(|e| Problem::bad(format!("The form cannot be read: {}", e.body_text())))?;
        return Fields::read(form).await?.input();
    }
    let is_json = content_type.starts_with("application/json")
        || content_type.starts_with("application/ld+json");
    if !is_json {
        return Err(Problem {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "Send application/json ({\"url\": ...} or {\"credential\": ...}) or \
                      multipart/form-data with an \"image\" file."
                .to_string(),
        });
    }
    let limit = body_limit(request.uri().path());
    let bytes = to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| Problem::bad("The request body could not be read in full."))?;
    let body: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Problem::bad(format!("The body is not valid JSON: {e}.")))?;
    let Value::Object(body) = body else {
        return Err(Problem::bad(
            "The body must be a JSON object with \"url\" or \"credential\".",
        ));
    };
    let url = match body.get("url") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(url)) => url.clone(),
        Some(_) => return Err(Problem::bad("\"url\" must be a string.")),
    };
    let credential = match body.get("credential") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(object @ Value::Object(_)) => object.to_string(),
        Some(_) => {
            return Err(Problem::bad(
                "\"credential\" must be a JSON object (a credential or assertion) or a string \
                 (a JWT, or JSON as text).",
            ))
        }
    };
    if url.trim().is_empty() && credential.trim().is_empty() {
        return Err(Problem::bad(
            "There is nothing to verify: send {\"url\": \"https://...\"}, {\"credential\": {...}} \
             or {\"credential\": \"<JWT>\"}, or a multipart/form-data body with an \"image\" file.",
        ));
    }
    Fields {
        url,
        credential,
        image: None,
    }
    .input()
}
