//! How this crate reaches the network: a small [`Fetch`] trait that applications implement with
//! their guarded HTTP client, and tests with canned responses ([`Canned`]).
//!
//! Discovery, feed polling and Webmention need more of a response than its body: the final URL
//! after redirects (relative links resolve against it), the `Link` headers (endpoints and hubs
//! are advertised there first), the content type, and the validators of conditional GET.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// A request: what to fetch and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// `GET` unless told otherwise (`POST` sends a Webmention).
    pub method: Method,
    /// The absolute http(s) URL.
    pub url: String,
    /// The `Accept` header, if any.
    pub accept: Option<String>,
    /// Conditional GET: the `ETag` of the last answer.
    pub if_none_match: Option<String>,
    /// Conditional GET: the `Last-Modified` of the last answer.
    pub if_modified_since: Option<String>,
    /// A form body (`application/x-www-form-urlencoded`) for `POST`.
    pub form: Vec<(String, String)>,
}

/// The HTTP methods this crate uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    #[default]
    Get,
    /// `HEAD`.
    Head,
    /// `POST` with a form body.
    Post,
}

impl Request {
    /// A plain `GET` of `url`.
    pub fn get(url: &str) -> Request {
        Request {
            url: url.to_owned(),
            ..Request::default()
        }
    }
}

/// A response, read in full (within the fetcher's size limit).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// The URL the body came from, after redirects.
    pub url: String,
    /// The HTTP status.
    pub status: u16,
    /// Response headers, names in lower case, in the order received (a name may repeat).
    pub headers: Vec<(String, String)>,
    /// The body (empty for `HEAD`).
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header (`name` in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order (`Link` may come several times).
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request got no response: refused by the fetcher's guard, timed out, too large...
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FetchError {
    /// What went wrong, in words.
    pub message: String,
    /// Whether asking again cannot help (the address is refused, the response too large...), as
    /// opposed to a failure that may pass (a timeout, a refused connection).
    pub permanent: bool,
}

impl FetchError {
    /// A failure that may pass: worth retrying later.
    pub fn passing(message: impl Into<String>) -> FetchError {
        FetchError {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure that asking again will not mend.
    pub fn permanent(message: impl Into<String>) -> FetchError {
        FetchError {
            message: message.into(),
            permanent: true,
        }
    }
}

/// The boxed future a [`Fetch`] returns.
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<Response, FetchError>> + Send + 'a>>;

/// This crate's only way to the network.
pub trait Fetch: Send + Sync {
    /// Makes the request, following redirects (the fetcher limits how many).
    fn fetch<'a>(&'a self, request: &'a Request) -> FetchFuture<'a>;
}

/// A [`Fetch`] that answers from canned responses by URL, for tests; records what was asked.
#[derive(Debug, Default)]
pub struct Canned {
    responses: HashMap<String, Response>,
    asked: std::sync::Mutex<Vec<Request>>,
}

impl Canned {
    /// Answers `url` with `status`, `headers` and `body` (the response's `url` is `url`).
    pub fn with(
        mut self,
        url: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> Canned {
        self.responses.insert(
            url.to_owned(),
            Response {
                url: url.to_owned(),
                status,
                headers: headers
                    .iter()
                    .map(|(n, v)| (n.to_ascii_lowercase(), (*v).to_owned()))
                    .collect(),
                body: body.into(),
            },
        );
        self
    }

    /// Answers `requested_url` with `response` as given, so that its `url` can differ from the
    /// one asked for: that is how a test models a redirect the fetcher followed.
    pub fn with_response(mut self, requested_url: &str, response: Response) -> Canned {
        self.responses.insert(requested_url.to_owned(), response);
        self
    }

    /// The requests made so far.
    pub fn asked(&self) -> Vec<Request> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

impl Fetch for Canned {
    fn fetch<'a>(&'a self, request: &'a Request) -> FetchFuture<'a> {
        Box::pin(async move {
            if let Ok(mut asked) = self.asked.lock() {
                asked.push(request.clone());
            }
            self.responses.get(&request.url).cloned().ok_or_else(|| {
                FetchError::passing(format!("{} is not available offline", request.url))
            })
        })
    }
}
