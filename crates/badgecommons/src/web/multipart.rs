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

/// Why a multipart form could not be read.
#[derive(Debug)]
pub enum FormError {
    /// Not a well-formed multipart body (or the connection broke off).
    Unreadable(String),
    /// A text field that is not UTF-8 (its name).
    NotText(String),
    /// The file is larger than the limit the caller gave.
    FileTooLarge,
}

impl From<FormError> for Failure {
    fn from(error: FormError) -> Failure {
        match error {
            FormError::Unreadable(why) => {
                Failure::BadRequest(format!("The form cannot be read: {why}"))
            }
            FormError::NotText(name) => {
                Failure::BadRequest(format!("The form field {name:?} is not UTF-8 text."))
            }
            FormError::FileTooLarge => {
                Failure::BadRequest("The uploaded file is too large.".to_string())
            }
        }
    }
}

/// Reads a multipart form whose file field is `file_field`. Text must be UTF-8; a file input
/// left empty (browsers still send an empty part) counts as no file.
pub async fn read(form: Multipart, file_field: &str) -> Result<MultipartForm, Failure> {
    Ok(read_limited(form, file_field, usize::MAX).await?)
}

/// [`read`], with the file refused as soon as it is over `max_file_bytes`, and the error left for
/// the caller to word (the verify page answers in its own problem format).
pub async fn read_limited(
    mut form: Multipart,
    file_field: &str,
    max_file_bytes: usize,
) -> Result<MultipartForm, FormError> {
    let unreadable =
        |e: axum::extract::multipart::MultipartError| FormError::Unreadable(e.body_text());
    let mut read = MultipartForm::default();
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(unreadable)?;
        if name == file_field {
            if bytes.len() > max_file_bytes {
                return Err(FormError::FileTooLarge);
            }
            read.file = (!bytes.is_empty()).then(|| bytes.to_vec());
            continue;
        }
        let text =
            String::from_utf8(bytes.to_vec()).map_err(|_| FormError::NotText(name.clone()))?;
        read.text.insert(name, text);
    }
    Ok(read)
}
