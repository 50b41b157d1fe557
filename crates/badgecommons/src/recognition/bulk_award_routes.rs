//! The pages and API of bulk awards: staff upload a CSV of recipients (a form on the badge class
//! page, or `POST /api/v1/badges/{id}/awards/bulk` with a `text/csv` body), then follow the job
//! on `/badges/{id}/bulk/{job}` (which refreshes itself without JavaScript until it is done) or
//! `GET /api/v1/bulk-awards/{id}`. The work itself is in `bulk_awards`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::badge_classes::{self, BadgeClass};
use super::bulk_awards::{self, CsvError, Job, RowResult};
use super::documents;
use crate::web::{render, AppState, Chrome, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/badges/{id}/bulk", post(upload_form))
        .route("/badges/{id}/bulk/{job}", get(progress_page))
        .route("/api/v1/badges/{id}/awards/bulk", post(upload_api))
        .route("/api/v1/bulk-awards/{id}", get(progress_api))
}

/// Why an upload was refused: a failure of the request, or a file refused as a whole.
enum Refusal {
    Failure(Failure),
    Csv(CsvError),
}

impl From<Failure> for Refusal {
    fn from(failure: Failure) -> Self {
        Refusal::Failure(failure)
    }
}

impl From<CsvError> for Refusal {
    fn from(e: CsvError) -> Self {
        Refusal::Csv(e)
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        Refusal::Failure(e.into())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Failure(failure) => failure.into_response(),
            Refusal::Csv(e) => {
                let status = match e {
                    CsvError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                    CsvError::NotText | CsvError::Nul | CsvError::Unreadable(_) => {
                        StatusCode::BAD_REQUEST
                    }
                    CsvError::TooManyRows | CsvError::Empty | CsvError::NotRecipients => {
                        StatusCode::UNPROCESSABLE_ENTITY
                    }
                };
                // Plain text: `web::failure` turns it into the error page or `{"error"}`.
                (status, e.to_string()).into_response()
            }
        }
    }
}

/// Checks the badge class, parses the file, stores the job and starts its worker.
async fn start_job(
    state: &AppState,
    badge_class_id: i64,
    started_by: i64,
    bytes: &[u8],
) -> Result<(i64, i64), Refusal> {
    if badge_classes::get(&state.db, badge_class_id)
        .await?
        .is_none()
    {
        return Err(Failure::not_found("badge").into());
    }
    let rows = bulk_awards::parse(bytes)?;
    let job = bulk_awards::create(&state.db, badge_class_id, started_by, &rows).await?;
    bulk_awards::spawn(state.clone(), job);
    Ok((job, rows.len() as i64))
}

/// `POST /badges/{id}/bulk`: the form's `file` field (multipart; the CSRF middleware has
/// already checked its token).
async fn upload_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(badge_class_id): Path<i64>,
    mut form: Multipart,
) -> Result<Response, Refusal> {
    let staff = viewer.require_staff()?;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        Failure::BadRequest(format!("The form cannot be read: {}", e.body_text()))
    };
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        if field.name() == Some("file") {
            file = Some(field.bytes().await.map_err(unreadable)?);
        }
    }
    let file = file
        .filter(|f| !f.is_empty())
        .ok_or_else(|| Failure::Invalid("Choose a CSV file of recipients to upload.".into()))?;
    let (job, _) = start_job(&state, badge_class_id, staff.id, &file).await?;
    Ok(Redirect::to(&format!("/badges/{badge_class_id}/bulk/{job}")).into_response())
}

/// `POST /api/v1/badges/{id}/awards/bulk`: the CSV is the body.
async fn upload_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(badge_class_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let staff = viewer.require_staff()?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !(content_type.starts_with("text/csv") || content_type.starts_with("application/csv")) {
        return Err(Failure::UnsupportedMediaType(
            "Send the recipients as a CSV body with Content-Type: text/csv.".into(),
        )
        .into());
    }
    let (id, total) = start_job(&state, badge_class_id, staff.id, &body).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "id": id,
            "url": state.url(&format!("/api/v1/bulk-awards/{id}")),
            "page": state.url(&format!("/badges/{badge_class_id}/bulk/{id}")),
            "total": total,
        })),
    )
        .into_response())
}

/// The job, for staff only.
async fn find_job(state: &AppState, viewer: &Viewer, job: i64) -> Result<Job, Failure> {
    viewer.require_staff()?;
    bulk_awards::get(&state.db, job)
        .await?
        .ok_or_else(|| Failure::not_found("bulk award job"))
}

#[derive(Template)]
#[template(path = "recognition/templates/bulk_progress.html")]
struct ProgressPage {
    chrome: Chrome,
    class: BadgeClass,
    job: Job,
    rows: Vec<RowResult>,
    awarded: usize,
    failed: usize,
}

async fn progress_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((badge_class_id, job)): Path<(i64, i64)>,
) -> Result<Response, Failure> {
    let job = find_job(&state, &viewer, job).await?;
    if job.badge_class_id != badge_class_id {
        return Err(Failure::not_found("bulk award job"));
    }
    let class = badge_classes::get(&state.db, badge_class_id)
        .await?
        .ok_or_else(|| Failure::not_found("badge"))?;
    let rows = bulk_awards::rows(&state.db, job.id).await?;
    let path = format!("/badges/{badge_class_id}/bulk/{}", job.id);
    render(&ProgressPage {
        chrome: viewer
            .chrome(&state, format!("Bulk award of {}", class.name), &path)
            .await?,
        awarded: rows.iter().filter(|r| r.award_id.is_some()).count(),
        failed: rows.iter().filter(|r| r.error.is_some()).count(),
        class,
        job,
        rows,
    })
}

async fn progress_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(job): Path<i64>,
) -> Result<Response, Failure> {
    let job = find_job(&state, &viewer, job).await?;
    let rows: Vec<_> = bulk_awards::rows(&state.db, job.id)
        .await?
        .into_iter()
        .map(|row| {
            let mut item = json!({"row": row.row, "email": row.email});
            if let Some(id) = &row.award_id {
                item["award"] = json!(id);
                item["url"] = json!(documents::credential_url(&state, id));
            }
            if let Some(error) = row.error {
                item["error"] = json!(error);
            }
            item
        })
        .collect();
    Ok(Json(json!({
        "id": job.id,
        "badge": job.badge_class_id,
        "total": job.total,
        "done": job.done,
        "finished": job.finished_at.is_some(),
        "rows": rows,
    }))
    .into_response())
}
