//! `GET /backpack/export.zip`: everything a member holds in one zip they can keep or take to
//! another backpack. For each award received: the credential (`.json`) and the baked image (the
//! same bytes as `/credentials/{id}.png`); for each imported badge: what was imported (JSON, JWT
//! or URL), its last verification report, and the uploaded image if any. An `index.html` lists
//! them; every name in it comes from someone else's badge, so the template escapes it.

use std::io::{Cursor, Write};

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::routes::BadgeView;
use super::store;
use crate::recognition::awards;
use crate::web::{AppState, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new().route("/backpack/export.zip", get(export))
}

/// One badge in the index, with the files of the zip that hold it.
struct Entry {
    name: String,
    issuer: String,
    issued: String,
    status: &'static str,
    files: Vec<String>,
}

#[derive(Template)]
#[template(path = "backpack/templates/export_index.html")]
struct Index {
    username: String,
    site_name: String,
    entries: Vec<Entry>,
}

fn zip_failure(e: impl std::fmt::Display) -> Failure {
    Failure::Internal(format!("writing a backpack export: {e}"))
}

async fn export(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut entries = Vec::new();
    let issuer = crate::recognition::issuer_profile::get(&state).await?.name;

    for award in awards::of_member(&state.db, member.id, true).await? {
        let view = BadgeView::award(&state, &award, &issuer);
        let base = format!("awards/{}", award.id);
        let first = files.len();
        files.push((
            format!("{base}.json"),
            award.credential.clone().into_bytes(),
        ));
        match crate::recognition::baked_image(&state, &award, "png").await {
            Ok(png) => files.push((format!("{base}.png"), png)),
            // A badge class without an image still exports its credential.
            Err(e) => tracing::warn!(award = %award.id, error = %e, "no baked image to export"),
        }
        entries.push(entry(&view, &files[first..]));
    }

    for badge in store::of_member(&state.db, member.id, true).await? {
        let view = BadgeView::imported(&state, &badge);
        let base = format!("imported/{}", badge.id);
        let first = files.len();
        let payload_name = match badge.source.as_str() {
            "url" => format!("{base}.url.txt"),
            "jwt" => format!("{base}.jwt"),
            _ if badge.payload.trim_start().starts_with('{') => format!("{base}.json"),
            _ if badge.payload.is_empty() => String::new(),
            _ => format!("{base}.jwt"),
        };
        if !payload_name.is_empty() {
            files.push((payload_name, badge.payload.clone().into_bytes()));
        }
        if let Some((bytes, kind)) = store::image(&state.db, badge.id).await? {
            let ext = if kind == "image/svg+xml" {
                "svg"
            } else {
                "png"
            };
            files.push((format!("{base}.{ext}"), bytes));
        }
        files.push((
            format!("{base}.report.json"),
            badge.report.clone().into_bytes(),
        ));
        entries.push(entry(&view, &files[first..]));
    }

    let index = Index {
        username: member.username.clone(),
        site_name: state.settings.site_name.clone(),
        entries,
    }
    .render()?;

    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("index.html", options).map_err(zip_failure)?;
    zip.write_all(index.as_bytes()).map_err(zip_failure)?;
    for (name, bytes) in files {
        zip.start_file(name, options).map_err(zip_failure)?;
        zip.write_all(&bytes).map_err(zip_failure)?;
    }
    let bytes = zip.finish().map_err(zip_failure)?.into_inner();
    let filename = format!(
        "attachment; filename=\"backpack-{}.zip\"",
        member
            .username
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        bytes,
    )
        .into_response())
}

/// The index entry of `view`, listing the names of its `files` in the zip.
fn entry(view: &BadgeView, files: &[(String, Vec<u8>)]) -> Entry {
    Entry {
        name: view.name.clone(),
        issuer: view.issuer.clone(),
        issued: view.issued.clone(),
        status: view.status(),
        files: files.iter().map(|(name, _)| name.clone()).collect(),
    }
}
