//! The client half of IndieAuth: finding a member's authorization server from the URL they type,
//! building the authorization request (PKCE S256), redeeming the code, and checking that the
//! profile URL the server names really uses that server. Network access only through the
//! [`Fetch`] it is given (the app's guarded client), so everything here runs offline in tests.
//!
//! Choices where the spec leaves room or where this site departs from it:
//! - Discovery reads `rel="indieauth-metadata"` (the `Link` header first, then `<link>`), and
//!   falls back to `rel="authorization_endpoint"` for servers that predate metadata (as
//!   IndieLogin.com does); such servers have no issuer, so no `iss` is checked for them.
//! - Sign-in asks for no scope, so the code is redeemed at the authorization endpoint (spec
//!   §5.3.3, "profile URL only"); the token endpoint is never needed.
//! - Profile URLs may carry a port or be an IP address (the spec says they must not): the
//!   guarded fetcher is what keeps the network safe, and self-hosted sites on ports exist.
//! - Metadata without an `issuer` is accepted (older servers), with no `iss` check; an `issuer`
//!   that is not a prefix of the metadata URL is refused, as the spec requires.
//! - Redirects of the typed URL are followed for discovery, but `me` stays what was typed: the
//!   fetcher reports only the final URL, not whether a redirect was permanent.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use syndication::discovery::find_link_rel;
use syndication::fetch::{Fetch, Method, Request};
use url::Url;

/// The longest profile URL accepted.
const MAX_URL_CHARS: usize = 2000;

/// A member's authorization server, as discovered from their profile URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    pub authorization_endpoint: String,
    /// From the metadata document; `None` when found by the older `rel=authorization_endpoint`.
    pub issuer: Option<String>,
}

/// Why a sign-in with a domain could not go on, in words a member can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClientError {
    #[error("{0}")]
    BadUrl(String),
    #[error("Could not read {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} does not name an IndieAuth server (no rel=\"indieauth-metadata\" or rel=\"authorization_endpoint\" link was found).")]
    NoServer { url: String },
    #[error("The IndieAuth metadata at {url} cannot be used: {reason}")]
    BadMetadata { url: String, reason: String },
    #[error("Your IndieAuth server refused the sign-in: {0}")]
    Refused(String),
    #[error("The code exchange with your IndieAuth server failed: {0}")]
    Exchange(String),
    #[error("Your IndieAuth server said you are {returned}, but that page names a different authorization server than {entered}, so it cannot be trusted.")]
    DifferentServer { entered: String, returned: String },
}

/// The profile URL a member typed, made canonical as IndieAuth §3.4 says: `https://` when no
/// scheme was given, `/` when there is no path; no fragment, user name or password.
pub fn canonical_me(input: &str) -> Result<Url, ClientError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(ClientError::BadUrl(
            "Enter the address of your website, such as example.org.".into(),
        ));
    }
    if input.chars().count() > MAX_URL_CHARS {
        return Err(ClientError::BadUrl(format!(
            "That address is longer than {MAX_URL_CHARS} characters."
        )));
    }
    // `javascript:x` or `mailto:x` name another scheme; `example.org:8080` is a host and port.
    if let Ok(other) = Url::parse(input) {
        let after_colon = input.get(other.scheme().len() + 1..).unwrap_or_default();
        if !matches!(other.scheme(), "http" | "https")
            && !after_colon.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(ClientError::BadUrl(format!(
                "{input:?} is not a usable address: it must start with http:// or https://."
            )));
        }
    }
    let with_scheme = if input.contains("://") {
        input.to_string()
    } else {
        format!("https://{input}")
    };
    let bad = |why: &str| ClientError::BadUrl(format!("{input:?} is not a usable address: {why}."));
    let url = Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("it must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host name"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not contain a user name or password"));
    }
    if url.fragment().is_some() {
        return Err(bad("it must not contain a #fragment"));
    }
    // The url crate already gives an empty http(s) path as "/" and removes dot segments.
    Ok(url)
}

/// A PKCE code verifier (43 characters of 32 random bytes, RFC 7636 §4.1) and its S256 challenge.
pub fn pkce_pair() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let verifier = URL_SAFE_NO_PAD.encode(bytes);
    let challenge = s256(&verifier);
    (verifier, challenge)
}

/// The S256 code challenge of a verifier: BASE64URL(SHA-256(verifier)) without padding.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// GETs `url` asking for `accept`; a fetch that fails outright makes `url` unreachable.
async fn get(
    fetch: &dyn Fetch,
    url: &str,
    accept: &str,
) -> Result<syndication::fetch::Response, ClientError> {
    let mut request = Request::get(url);
    request.accept = Some(accept.into());
    fetch
        .fetch(&request)
        .await
        .map_err(|e| ClientError::Unreachable {
            url: url.to_string(),
            reason: e.to_string(),
        })
}

/// Fetches `url` as a page and gives its body, final URL and headers.
async fn fetch_page(
    fetch: &dyn Fetch,
    url: &str,
) -> Result<syndication::fetch::Response, ClientError> {
    let response = get(
        fetch,
        url,
        "text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
    )
    .await?;
    if !(200..300).contains(&response.status) {
        return Err(ClientError::Unreachable {
            url: url.to_string(),
            reason: format!("it answered HTTP {}", response.status),
        });
    }
    Ok(response)
}

#[derive(Deserialize)]
struct Metadata {
    issuer: Option<String>,
    authorization_endpoint: Option<String>,
    code_challenge_methods_supported: Option<Vec<String>>,
}

/// Finds the authorization server that the page at `me` names (see the module doc).
pub async fn discover_server(fetch: &dyn Fetch, me: &str) -> Result<Server, ClientError> {
    let page = fetch_page(fetch, me).await?;
    let unreadable = |e: syndication::discovery::DiscoveryError| ClientError::Unreachable {
        url: me.to_string(),
        reason: e.to_string(),
    };
    if let Some(metadata_url) = find_link_rel(&page, "indieauth-metadata").map_err(unreadable)? {
        return read_metadata(fetch, &metadata_url).await;
    }
    match find_link_rel(&page, "authorization_endpoint").map_err(unreadable)? {
        Some(endpoint) => Ok(Server {
            authorization_endpoint: web_url(&endpoint).map_err(|reason| {
                ClientError::BadMetadata {
                    url: me.to_string(),
                    reason: format!("its authorization endpoint {reason}"),
                }
            })?,
            issuer: None,
        }),
        None => Err(ClientError::NoServer {
            url: me.to_string(),
        }),
    }
}

/// An absolute http(s) URL, or what is wrong with it.
fn web_url(text: &str) -> Result<String, String> {
    match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url.to_string()),
        Ok(_) => Err(format!("{text:?} is not an http(s) URL")),
        Err(e) => Err(format!("{text:?} is not a URL ({e})")),
    }
}

async fn read_metadata(fetch: &dyn Fetch, url: &str) -> Result<Server, ClientError> {
    let bad = |reason: String| ClientError::BadMetadata {
        url: url.to_string(),
        reason,
    };
    let response = get(fetch, url, "application/json").await?;
    if !(200..300).contains(&response.status) {
        return Err(bad(format!("it answered HTTP {}", response.status)));
    }
    let metadata: Metadata = serde_json::from_slice(&response.body)
        .map_err(|e| bad(format!("it is not the expected JSON ({e})")))?;
    let endpoint = metadata
        .authorization_endpoint
        .ok_or_else(|| bad("it has no authorization_endpoint".into()))?;
    let authorization_endpoint =
        web_url(&endpoint).map_err(|reason| bad(format!("authorization_endpoint {reason}")))?;
    if let Some(methods) = &metadata.code_challenge_methods_supported {
        if !methods.iter().any(|m| m == "S256") {
            return Err(bad("the server does not support PKCE with S256".into()));
        }
    }
    if let Some(issuer) = &metadata.issuer {
        let parsed = Url::parse(issuer).map_err(|e| bad(format!("issuer is not a URL ({e})")))?;
        // Spec §4.1.1: no query or fragment, and a prefix of the metadata URL, so that a page
        // cannot claim another server's issuer.
        if parsed.query().is_some() || parsed.fragment().is_some() || !url.starts_with(issuer) {
            return Err(bad(format!(
                "its issuer {issuer} must be a prefix of the metadata URL without query or fragment"
            )));
        }
    }
    Ok(Server {
        authorization_endpoint,
        issuer: metadata.issuer,
    })
}

/// What goes into the authorization request besides the server.
pub struct AuthorizationRequest<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub code_challenge: &'a str,
    pub me: &'a str,
}

/// The URL the browser is sent to (spec §5.2): the endpoint's own query is kept.
pub fn authorization_url(server: &Server, request: &AuthorizationRequest<'_>) -> Option<String> {
    let mut url = Url::parse(&server.authorization_endpoint).ok()?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", request.client_id)
        .append_pair("redirect_uri", request.redirect_uri)
        .append_pair("state", request.state)
        .append_pair("code_challenge", request.code_challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("me", request.me);
    Some(url.to_string())
}

#[derive(Deserialize)]
struct Redeemed {
    me: Option<String>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: Option<String>,
    error_description: Option<String>,
}

/// The words of an OAuth error answer (`error_description`, else `error`), if it is one.
fn oauth_error(body: &[u8]) -> Option<String> {
    let error: OAuthError = serde_json::from_slice(body).ok()?;
    let words = error.error_description.or(error.error)?;
    Some(words.chars().take(300).collect())
}

/// Redeems the authorization code at the authorization endpoint and returns the `me` the
/// server vouches for (not yet checked: see [`confirm_me`]).
pub async fn redeem(
    fetch: &dyn Fetch,
    server: &Server,
    code: &str,
    client_id: &str,
    redirect_uri: &str,
    code_verifier: &str,
) -> Result<String, ClientError> {
    let request = Request {
        method: Method::Post,
        url: server.authorization_endpoint.clone(),
        accept: Some("application/json".into()),
        form: vec![
            ("grant_type".into(), "authorization_code".into()),
            ("code".into(), code.into()),
            ("client_id".into(), client_id.into()),
            ("redirect_uri".into(), redirect_uri.into()),
            ("code_verifier".into(), code_verifier.into()),
        ],
        ..Request::default()
    };
    let response = fetch
        .fetch(&request)
        .await
        .map_err(|e| ClientError::Exchange(e.to_string()))?;
    if !(200..300).contains(&response.status) {
        return Err(ClientError::Exchange(match oauth_error(&response.body) {
            Some(words) => format!("the server answered HTTP {}: {words}", response.status),
            None => format!("the server answered HTTP {}", response.status),
        }));
    }
    let redeemed: Redeemed = serde_json::from_slice(&response.body)
        .map_err(|e| ClientError::Exchange(format!("its answer is not the expected JSON ({e})")))?;
    redeemed
        .me
        .ok_or_else(|| ClientError::Exchange("its answer names no profile URL (me)".into()))
}

/// Checks the profile URL the server returned (spec §5.3.4): when it differs from the one the
/// member typed, it must declare the same authorization server. Returns the canonical `me`.
pub async fn confirm_me(
    fetch: &dyn Fetch,
    entered: &str,
    returned: &str,
    server: &Server,
) -> Result<String, ClientError> {
    let returned_url = canonical_me(returned).map_err(|_| {
        ClientError::Exchange(format!(
            "the profile URL it returned ({returned:?}) is not valid"
        ))
    })?;
    if returned_url.as_str() == entered {
        return Ok(entered.to_string());
    }
    let declared = discover_server(fetch, returned_url.as_str())
        .await
        .map_err(|_| ClientError::DifferentServer {
            entered: entered.to_string(),
            returned: returned_url.to_string(),
        })?;
    let same = declared.authorization_endpoint == server.authorization_endpoint
        && (declared.issuer.is_none()
            || server.issuer.is_none()
            || declared.issuer == server.issuer);
    if same {
        Ok(returned_url.to_string())
    } else {
        Err(ClientError::DifferentServer {
            entered: entered.to_string(),
            returned: returned_url.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syndication::fetch::Canned;

    #[test]
    fn typed_addresses_are_made_canonical() {
        let me = |s: &str| canonical_me(s).map(|u| u.to_string());
        assert_eq!(me("example.org").as_deref(), Ok("https://example.org/"));
        assert_eq!(
            me(" HTTP://Example.ORG ").as_deref(),
            Ok("http://example.org/")
        );
        assert_eq!(
            me("https://example.org/~ada/../alice").as_deref(),
            Ok("https://example.org/alice")
        );
        for bad in [
            "",
            "ftp://example.org/",
            "https://a:b@example.org/",
            "https://x.org/#me",
        ] {
            assert!(canonical_me(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn the_s256_challenge_is_the_rfc_7636_example() {
        // RFC 7636, Appendix B.
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let (verifier, challenge) = pkce_pair();
        assert_eq!(verifier.len(), 43);
        assert_eq!(challenge, s256(&verifier));
    }

    #[tokio::test]
    async fn the_link_header_wins_and_older_servers_are_found_by_their_rel() {
        let fetch = Canned::default()
            .with(
                "https://a.example/",
                200,
                &[("link", "<https://auth.example/meta>; rel=\"indieauth-metadata\"")],
                "<link rel=\"indieauth-metadata\" href=\"https://wrong.example/meta\">",
            )
            .with(
                "https://auth.example/meta",
                200,
                &[],
                r#"{"issuer":"https://auth.example/","authorization_endpoint":"https://auth.example/auth"}"#,
            )
            .with(
                "https://b.example/",
                200,
                &[],
                "<link rel=\"authorization_endpoint\" href=\"/auth\">",
            );
        assert_eq!(
            discover_server(&fetch, "https://a.example/").await,
            Ok(Server {
                authorization_endpoint: "https://auth.example/auth".into(),
                issuer: Some("https://auth.example/".into()),
            })
        );
        assert_eq!(
            discover_server(&fetch, "https://b.example/").await,
            Ok(Server {
                authorization_endpoint: "https://b.example/auth".into(),
                issuer: None,
            })
        );
    }

    #[tokio::test]
    async fn an_issuer_that_is_not_the_metadata_urls_prefix_is_refused() {
        let fetch = Canned::default()
            .with(
                "https://a.example/",
                200,
                &[],
                "<link rel=\"indieauth-metadata\" href=\"https://evil.example/meta\">",
            )
            .with(
                "https://evil.example/meta",
                200,
                &[],
                r#"{"issuer":"https://auth.example/","authorization_endpoint":"https://evil.example/auth"}"#,
            )
            .with("https://c.example/", 200, &[], "<p>just a page</p>");
        assert!(matches!(
            discover_server(&fetch, "https://a.example/").await,
            Err(ClientError::BadMetadata { .. })
        ));
        assert_eq!(
            discover_server(&fetch, "https://c.example/").await,
            Err(ClientError::NoServer {
                url: "https://c.example/".into()
            })
        );
    }

    #[test]
    fn the_authorization_url_keeps_the_endpoints_query() {
        let server = Server {
            authorization_endpoint: "https://auth.example/auth?tenant=7".into(),
            issuer: None,
        };
        let url = authorization_url(
            &server,
            &AuthorizationRequest {
                client_id: "https://site.example/",
                redirect_uri: "https://site.example/signin/indieauth/callback",
                state: "st",
                code_challenge: "ch",
                me: "https://a.example/",
            },
        )
        .unwrap();
        let parsed = Url::parse(&url).unwrap();
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert_eq!(pairs[0], ("tenant".into(), "7".into()));
        assert!(pairs.contains(&("code_challenge_method".into(), "S256".into())));
        assert!(pairs.contains(&("me".into(), "https://a.example/".into())));
    }
}
