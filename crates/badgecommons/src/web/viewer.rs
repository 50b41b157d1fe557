//! Who is asking: the extractors that tell handlers whether a request comes from a signed-in
//! member (a session cookie for browsers, `Authorization: Bearer` for the JSON API), and the
//! page chrome that every HTML page shares.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::cookie::CookieJar;

use super::csrf::CsrfToken;
use super::{AppState, Failure};
use crate::accounts::model::Member;
use crate::accounts::store::{self as accounts, SessionLookup};
use crate::notifications;

pub const SESSION_COOKIE: &str = "bc_session";

/// The person making the request, signed in or not.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub member: Option<Member>,
    /// The request carried a session cookie that has expired.
    pub session_expired: bool,
    /// The CSRF token that forms on this page must carry.
    pub csrf: String,
}

impl Viewer {
    /// The signed-in member, or the failure that asks them to sign in.
    pub fn require_member(&self) -> Result<&Member, Failure> {
        self.member.as_ref().ok_or(Failure::SignInRequired {
            expired: self.session_expired,
        })
    }

    /// The signed-in moderator or admin.
    pub fn require_staff(&self) -> Result<&Member, Failure> {
        let member = self.require_member()?;
        if member.is_staff() {
            Ok(member)
        } else {
            Err(Failure::Forbidden(
                "Only moderators can do that.".to_string(),
            ))
        }
    }

    pub fn require_admin(&self) -> Result<&Member, Failure> {
        let member = self.require_member()?;
        if member.is_admin() {
            Ok(member)
        } else {
            Err(Failure::Forbidden("Only admins can do that.".to_string()))
        }
    }

    /// The shared parts of an HTML page for this viewer.
    pub async fn chrome(
        &self,
        state: &AppState,
        title: impl Into<String>,
        path: &str,
    ) -> Result<Chrome, Failure> {
        let unread = match &self.member {
            Some(member) => notifications::unread_count(&state.db, member.id).await?,
            None => 0,
        };
        Ok(Chrome {
            site_name: state.settings.site_name.clone(),
            title: title.into(),
            canonical: format!("{}{}", state.settings.public_url, path),
            description: String::new(),
            feed: None,
            csrf: self.csrf.clone(),
            member: self.member.clone(),
            unread,
        })
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        // The API authenticates with bearer tokens only, so that a browser's cookies never act
        // on it by themselves; pages authenticate with the session cookie only.
        if parts.uri.path().starts_with("/api/") {
            let bearer = parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            let member = match bearer {
                Some(token) => Some(
                    accounts::member_by_api_token(&state.db, token)
                        .await?
                        .ok_or(Failure::SignInRequired { expired: false })?,
                ),
                None => None,
            };
            return Ok(Viewer {
                member,
                session_expired: false,
                csrf,
            });
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let (member, session_expired) = match jar.get(SESSION_COOKIE) {
            Some(cookie) => match accounts::member_by_session(&state.db, cookie.value()).await? {
                SessionLookup::Active(member) => (Some(member), false),
                SessionLookup::Expired => (None, true),
                SessionLookup::Unknown => (None, false),
            },
            None => (None, false),
        };
        Ok(Viewer {
            member,
            session_expired,
            csrf,
        })
    }
}

/// What the layout around every page needs.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub site_name: String,
    pub title: String,
    pub canonical: String,
    pub description: String,
    /// An Atom feed for this page, advertised in `<head>`.
    pub feed: Option<String>,
    pub csrf: String,
    pub member: Option<Member>,
    pub unread: i64,
}

impl Chrome {
    pub fn with_feed(mut self, feed_path: &str) -> Chrome {
        self.feed = Some(feed_path.to_string());
        self
    }

    pub fn with_description(mut self, description: &str) -> Chrome {
        self.description = description.chars().take(200).collect();
        self
    }

    pub fn is_staff(&self) -> bool {
        self.member.as_ref().is_some_and(Member::is_staff)
    }

    pub fn is_admin(&self) -> bool {
        self.member.as_ref().is_some_and(Member::is_admin)
    }
}
