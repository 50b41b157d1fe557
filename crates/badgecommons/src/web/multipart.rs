//! Reading a multipart form (one that uploads a file): its text fields and the one file field.

use std::collections::HashMap;

use axum::extract::Multipart;

use super::Failure;

/// A multipart form's text fields (the last value of each name) and its file, if one was chosen.
#[derive(Default)]
pub struct MultipartForm {
    pub text: HashMap<String, String>,
    pub file: Option<Vec<u8>>,
}

impl MultipartForm {
    /// A text field, or `""` when the form did not have it.
    pub fn get(&self, name: &str) -> &str {
        self.text.get(name).map_or("", String::as_str)
    }
}

/// Reads a multipart form whose file field is `file_field`. Text must be UTF-8; a file input
/// left empty (browsers still send an empty part) counts as no file.
pub async fn read(mut form: Multipart, file_field: &str) -> Result<MultipartForm, Failure> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        Failure::BadRequest(format!("The form cannot be read: {}", e.body_text()))
    };
    let mut read = MultipartForm::default();
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(unreadable)?;
        if name == file_field {
            read.file = (!bytes.is_empty()).then(|| bytes.to_vec());
            continue;
        }
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            Failure::BadRequest(format!("The form field {name:?} is not UTF-8 text."))
        })?;
        read.text.insert(name, text);
    }
    Ok(read)
}
