//! The one outbound HTTP client. Everything the server or the command line fetches from other
//! sites (badge assertions, issuer profiles, did:web documents, status lists, feeds) goes through
//! [`GuardedClient`], because a URL that came from outside may point inside: at the machine
//! itself, the host's private network or a cloud metadata service (server-side request forgery).
//!
//! The guard refuses loopback, private, link-local, shared (CGNAT), multicast and other
//! special-purpose addresses, including the cloud metadata addresses, unless an operator allows a
//! range (`--fetch-allow`, for tests on loopback). It checks every address a name resolves to,
//! through its own DNS resolver, so a name cannot resolve to a forbidden address at connect time
//! (the checked addresses are the ones connected to); it checks IP literals in the URL, which
//! skip DNS; and it applies both to every redirect. Responses are limited in time, size and
//! number of redirects, and proxies from the environment are ignored (a proxy would fetch on our
//! behalf, past the guard).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use url::Url;

/// What may be fetched, and how much.
#[derive(Clone, Debug)]
pub struct FetchPolicy {
    /// Ranges allowed even though they are otherwise forbidden (empty by default).
    pub allow: Vec<IpNet>,
    pub max_bytes: usize,
    pub timeout: Duration,
    pub max_redirects: usize,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            allow: Vec::new(),
            max_bytes: 5 * 1024 * 1024,
            timeout: Duration::from_secs(10),
            max_redirects: 5,
        }
    }
}

/// Parses `--fetch-allow`: CIDR ranges or single addresses, separated by commas.
pub fn parse_allow_list(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<IpNet>()
                .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{part:?} is not an address range like 127.0.0.0/8"))
        })
        .collect()
}

/// Why a fetch did not happen or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0:?} is not a valid http(s) URL")]
    BadUrl(String),
    #[error("refused to fetch {url}: {address} is a {kind} address")]
    Forbidden {
        url: String,
        address: IpAddr,
        kind: &'static str,
    },
    #[error("the response from {url} is larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("fetching {url} failed: {reason}")]
    Failed { url: String, reason: String },
}

/// A response that was read in full.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// Where the body came from after redirects.
    pub url: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// The kind of a special-purpose address, or `None` for an ordinary public one.
pub fn forbidden_kind(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local (cloud metadata)")
            } else if a == 100 && (64..128).contains(&b) {
                Some("shared (carrier-grade NAT)")
            } else if v4.is_unspecified() || a == 0 {
                Some("unspecified")
            } else if v4.is_multicast() || v4.is_broadcast() || a >= 240 {
                Some("multicast or reserved")
            } else if a == 192 && b == 0 && v4.octets()[2] == 0 {
                Some("IETF protocol assignment")
            } else if v4.is_documentation() || (a == 198 && (b == 18 || b == 19)) {
                Some("documentation or benchmarking")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_kind(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if first & 0xfe00 == 0xfc00 {
                Some("private (unique local; includes the fd00:ec2::254 metadata address)")
            } else if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 {
                Some("link-local")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if first == 0x2001 && v6.segments()[1] == 0x0db8 {
                Some("documentation")
            } else if first == 0x0064 && v6.segments()[1] == 0xff9b {
                Some("NAT64")
            } else {
                None
            }
        }
    }
}

fn check_address(policy: &FetchPolicy, url: &str, address: IpAddr) -> Result<(), FetchError> {
    match forbidden_kind(address) {
        Some(kind) if !policy.allow.iter().any(|net| net.contains(&address)) => {
            Err(FetchError::Forbidden {
                url: url.to_string(),
                address,
                kind,
            })
        }
        _ => Ok(()),
    }
}

/// Checks the parts of a URL that need no DNS: the scheme, and the host if it is an IP literal.
fn check_url(policy: &FetchPolicy, url: &Url) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::BadUrl(url.to_string()));
    }
    match url.host() {
        Some(url::Host::Ipv4(v4)) => check_address(policy, url.as_str(), IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => check_address(policy, url.as_str(), IpAddr::V6(v6)),
        Some(url::Host::Domain(_)) => Ok(()),
        None => Err(FetchError::BadUrl(url.to_string())),
    }
}

/// Resolves names with the system resolver and keeps only addresses the policy allows.
struct GuardedResolver {
    policy: Arc<FetchPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|addr| match check_address(&policy, &host, addr.ip()) {
                    Ok(()) => true,
                    Err(err) => {
                        refused = Some(err);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = match refused {
                    Some(err) => Box::new(err),
                    None => format!("{host} has no address").into(),
                };
                return Err(err);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// The guarded client; cheap to clone.
#[derive(Clone, Debug)]
pub struct GuardedClient {
    client: reqwest::Client,
    policy: Arc<FetchPolicy>,
}

impl GuardedClient {
    pub fn new(policy: FetchPolicy) -> Result<GuardedClient, FetchError> {
        let policy = Arc::new(policy);
        let redirect_policy = {
            let policy = policy.clone();
            redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= policy.max_redirects {
                    return attempt.error(format!("more than {} redirects", policy.max_redirects));
                }
                match check_url(&policy, attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(err) => attempt.error(err),
                }
            })
        };
        let client = reqwest::Client::builder()
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                policy: policy.clone(),
            }))
            .redirect(redirect_policy)
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .user_agent(concat!("BadgeCommons/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| FetchError::Failed {
                url: String::new(),
                reason: err.to_string(),
            })?;
        Ok(GuardedClient { client, policy })
    }

    /// GETs `url` and reads the body, within the policy's limits.
    pub async fn get(&self, url: &str, accept: &str) -> Result<Fetched, FetchError> {
        let mut request = syndication::fetch::Request::get(url);
        request.accept = Some(accept.to_string());
        let response = self.send(&request).await?;
        let content_type = response.header("content-type").map(str::to_string);
        Ok(Fetched {
            url: response.url,
            status: response.status,
            content_type,
            body: response.body,
        })
    }

    /// Makes `request` (GET, HEAD or a form POST, with conditional-GET validators when given) and
    /// reads the whole response within the policy's limits, headers included.
    pub async fn send(
        &self,
        request: &syndication::fetch::Request,
    ) -> Result<syndication::fetch::Response, FetchError> {
        use syndication::fetch::Method;
        let url = request.url.as_str();
        let parsed = Url::parse(url).map_err(|_| FetchError::BadUrl(url.to_string()))?;
        check_url(&self.policy, &parsed)?;
        let failed = |err: reqwest::Error| {
            // Report the guard's own refusal (from the resolver or a redirect) as such.
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
            while let Some(inner) = source {
                if let Some(FetchError::Forbidden { url, address, kind }) =
                    inner.downcast_ref::<FetchError>()
                {
                    return FetchError::Forbidden {
                        url: url.clone(),
                        address: *address,
                        kind,
                    };
                }
                source = inner.source();
            }
            let reason = if err.is_timeout() {
                format!(
                    "no complete answer within {} s",
                    self.policy.timeout.as_secs()
                )
            } else if err.is_redirect() {
                format!(
                    "too many redirects (more than {})",
                    self.policy.max_redirects
                )
            } else {
                err.to_string()
            };
            FetchError::Failed {
                url: url.to_string(),
                reason,
            }
        };
        let mut builder = match request.method {
            Method::Get => self.client.get(parsed),
            Method::Head => self.client.head(parsed),
            Method::Post => self.client.post(parsed).form(&request.form),
        };
        if let Some(accept) = &request.accept {
            builder = builder.header(reqwest::header::ACCEPT, accept);
        }
        if let Some(etag) = &request.if_none_match {
            builder = builder.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(date) = &request.if_modified_since {
            builder = builder.header(reqwest::header::IF_MODIFIED_SINCE, date);
        }
        let mut response = builder.send().await.map_err(failed)?;
        let limit = self.policy.max_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            });
        }
        let final_url = response.url().to_string();
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > limit {
                return Err(FetchError::TooLarge {
                    url: url.to_string(),
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(syndication::fetch::Response {
            url: final_url,
            status,
            headers,
            body,
        })
    }
}

/// The syndication crate (feeds, discovery, Webmention, WebSub) fetches through the guarded
/// client, so every one of its requests passes the same guard and limits.
impl syndication::fetch::Fetch for GuardedClient {
    fn fetch<'a>(
        &'a self,
        request: &'a syndication::fetch::Request,
    ) -> syndication::fetch::FetchFuture<'a> {
        Box::pin(async move {
            self.send(request).await.map_err(|err| {
                // The guard's refusals and the size limit answer the same way every time.
                let permanent = !matches!(err, FetchError::Failed { .. });
                syndication::fetch::FetchError {
                    message: err.to_string(),
                    permanent,
                }
            })
        })
    }
}

/// The verifier of `openbadges` fetches through the guarded client.
impl openbadges::verify::Fetch for GuardedClient {
    fn fetch<'a>(
        &'a self,
        url: &'a str,
        accept: &'a str,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = Result<
                        openbadges::verify::FetchedDocument,
                        openbadges::verify::FetchFailure,
                    >,
                > + Send
                + 'a,
        >,
    > {
        Box::pin(async move {
            let fetched = self
                .get(url, accept)
                .await
                .map_err(|err| openbadges::verify::FetchFailure(err.to_string()))?;
            Ok(openbadges::verify::FetchedDocument {
                url: fetched.url,
                status: fetched.status,
                content_type: fetched.content_type,
                body: fetched.body,
            })
        })
    }

    /// Plain-HTTP `did:web` only for hosts given as addresses (or `localhost`) that the allow
    /// list covers: local test servers, never a name that public DNS answers.
    fn plain_http_allowed(&self, host: &str) -> bool {
        let name = match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        };
        let name = name.trim_start_matches('[').trim_end_matches(']');
        let address = if name.eq_ignore_ascii_case("localhost") {
            Some(IpAddr::from([127, 0, 0, 1]))
        } else {
            name.parse::<IpAddr>().ok()
        };
        address.is_some_and(|a| self.policy.allow.iter().any(|net| net.contains(&a)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_did_web_only_for_allowed_addresses() {
        use openbadges::verify::Fetch;
        let allowing = GuardedClient::new(FetchPolicy {
            allow: parse_allow_list("127.0.0.0/8").expect("list"),
            ..FetchPolicy::default()
        })
        .expect("client");
        assert!(allowing.plain_http_allowed("127.0.0.1:8080"));
        assert!(allowing.plain_http_allowed("localhost:3000"));
        assert!(!allowing.plain_http_allowed("10.0.0.1:8080"));
        assert!(!allowing.plain_http_allowed("badges.example.org"));
        let default = GuardedClient::new(FetchPolicy::default()).expect("client");
        assert!(!default.plain_http_allowed("127.0.0.1:8080"));
    }

    #[test]
    fn special_purpose_addresses_are_forbidden_and_public_ones_are_not() {
        for forbidden in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
        ] {
            let address: IpAddr = forbidden.parse().unwrap();
            assert!(
                forbidden_kind(address).is_some(),
                "{forbidden} must be refused"
            );
        }
        for public in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "8.8.8.8",
        ] {
            let address: IpAddr = public.parse().unwrap();
            assert_eq!(forbidden_kind(address), None, "{public} is public");
        }
    }

    #[test]
    fn the_allow_list_names_ranges_or_addresses_and_rejects_nonsense() {
        let allow = parse_allow_list("127.0.0.0/8, ::1").unwrap();
        assert_eq!(allow.len(), 2);
        assert!(parse_allow_list("").unwrap().is_empty());
        assert!(parse_allow_list("localhost")
            .unwrap_err()
            .contains("localhost"));
    }

    #[test]
    fn ip_literals_and_schemes_are_checked_before_any_connection() {
        let policy = FetchPolicy::default();
        let check = |url: &str| check_url(&policy, &Url::parse(url).unwrap());
        assert!(matches!(
            check("http://127.0.0.1/x"),
            Err(FetchError::Forbidden { .. })
        ));
        assert!(matches!(
            check("http://[::1]:8080/"),
            Err(FetchError::Forbidden { .. })
        ));
        assert!(
            matches!(
                check("http://2130706433/"),
                Err(FetchError::Forbidden { .. })
            ),
            "decimal IPv4 is parsed as an address"
        );
        assert!(matches!(
            check("file:///etc/passwd"),
            Err(FetchError::BadUrl(_))
        ));
        assert!(check("https://example.org/badge.json").is_ok());
        let loopback_allowed = FetchPolicy {
            allow: parse_allow_list("127.0.0.0/8").unwrap(),
            ..FetchPolicy::default()
        };
        assert!(check_url(&loopback_allowed, &Url::parse("http://127.0.0.1/").unwrap()).is_ok());
    }
}
