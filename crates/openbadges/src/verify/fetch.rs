//! How the verifier reaches the network.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// A document fetched for verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedDocument {
    /// The URL the body came from, after redirects (ids are compared against it).
    pub url: String,
    /// The HTTP status: 410 Gone means a revoked OB 2.0 assertion.
    pub status: u16,
    /// The `Content-Type` the server sent, if any.
    pub content_type: Option<String>,
    /// The body, read in full (within the fetcher's size limit).
    pub body: Vec<u8>,
}

/// Why a document could not be fetched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FetchFailure(pub String);

/// The verifier's only way to the network. Applications implement it with their guarded HTTP
/// client; tests with canned documents ([`Offline`]).
pub trait Fetch: Send + Sync {
    /// GETs `url`, asking for `accept`.
    fn fetch<'a>(
        &'a self,
        url: &'a str,
        accept: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<FetchedDocument, FetchFailure>> + Send + 'a>>;

    /// Whether a `did:web` DID on `host` (`name` or `name:port`) may be resolved over plain
    /// HTTP instead of HTTPS. `did:web` requires HTTPS; a fetcher answers `true` only for hosts
    /// it was configured to treat as local test servers. The default is `false`.
    fn plain_http_allowed(&self, host: &str) -> bool {
        let _ = host;
        false
    }
}

/// A [`Fetch`] that serves only the documents it was given, for tests and offline checks.
#[derive(Clone, Debug, Default)]
pub struct Offline {
    documents: HashMap<String, (u16, Vec<u8>)>,
    plain_http_hosts: Vec<String>,
}

impl Offline {
    /// Serves `body` with status 200 at `url`.
    pub fn with(mut self, url: &str, body: impl Into<Vec<u8>>) -> Offline {
        self.documents.insert(url.to_string(), (200, body.into()));
        self
    }

    /// Lets `did:web` DIDs on `host` (`name` or `name:port`) resolve over plain HTTP.
    pub fn with_plain_http_host(mut self, host: &str) -> Offline {
        self.plain_http_hosts.push(host.to_string());
        self
    }

    /// Answers `url` with `status` and an empty body (410 for a revoked assertion, say).
    pub fn with_status(mut self, url: &str, status: u16) -> Offline {
        self.documents.insert(url.to_string(), (status, Vec::new()));
        self
    }
}

impl Fetch for Offline {
    fn fetch<'a>(
        &'a self,
        url: &'a str,
        _accept: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<FetchedDocument, FetchFailure>> + Send + 'a>> {
        Box::pin(async move {
            match self.documents.get(url) {
                Some((status, body)) => Ok(FetchedDocument {
                    url: url.to_string(),
                    status: *status,
                    content_type: None,
                    body: body.clone(),
                }),
                None => Err(FetchFailure(format!("{url} is not available offline"))),
            }
        })
    }

    fn plain_http_allowed(&self, host: &str) -> bool {
        self.plain_http_hosts.iter().any(|h| h == host)
    }
}
