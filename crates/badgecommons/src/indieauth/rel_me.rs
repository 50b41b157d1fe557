//! Verified `rel=me` links: a member lists their own sites and profiles elsewhere, and a link
//! counts as theirs once the page at it links back to their profile here with `rel="me"` (the
//! IndieWeb's two-way check, as Mastodon does for profile links).
//!
//! Choices: the link back may be an `<a>` or a `<link>` (what `syndication::discovery` reads);
//! it is compared with the profile URL ignoring http/https, a trailing slash and the case of the
//! path (usernames are case-insensitive here). Profiles show verified links only; the member
//! sees every link with its status on `/account/links`. A failed check un-verifies a link, so a
//! page that stopped linking back stops counting.

use syndication::fetch::{Fetch, Request};
use url::Url;

use super::store;
use crate::store::Db;

/// The most links a member may list.
pub const MAX_LINKS: usize = 10;

/// Whether `candidate` names the same page as `profile` (see the module doc).
fn same_profile(candidate: &str, profile: &Url) -> bool {
    let Ok(candidate) = Url::parse(candidate) else {
        return false;
    };
    let path = |u: &Url| u.path().trim_end_matches('/').to_lowercase();
    // `port()` is None for the default port of the URL's own scheme, so http://h and https://h
    // compare equal, while an explicit other port does not.
    matches!(candidate.scheme(), "http" | "https")
        && candidate.host_str() == profile.host_str()
        && candidate.port() == profile.port()
        && path(&candidate) == path(profile)
}

/// Fetches `url` and checks that it links back to `profile_url` with `rel=me`.
pub async fn check(fetch: &dyn Fetch, url: &str, profile_url: &str) -> Result<(), String> {
    let profile = Url::parse(profile_url).map_err(|e| format!("bad profile URL: {e}"))?;
    let mut request = Request::get(url);
    request.accept = Some("text/html, application/xhtml+xml;q=0.9".into());
    let response = fetch
        .fetch(&request)
        .await
        .map_err(|e| format!("could not read it: {e}"))?;
    if !(200..300).contains(&response.status) {
        return Err(format!("it answered HTTP {}", response.status));
    }
    let found = syndication::discovery::discover(&response)
        .map_err(|e| format!("could not read it: {e}"))?;
    if found.rel_me.iter().any(|link| same_profile(link, &profile)) {
        Ok(())
    } else {
        Err(format!("it has no rel=\"me\" link to {profile_url}"))
    }
}

/// Checks every link of a member at once and records each outcome; returns how many verified.
pub async fn verify_all(
    db: &Db,
    fetcher: std::sync::Arc<crate::net::GuardedClient>,
    user_id: i64,
    profile_url: &str,
) -> Result<usize, sqlx::Error> {
    let links = store::links(db, user_id).await?;
    let mut checks = tokio::task::JoinSet::new();
    for link in links {
        let fetcher = fetcher.clone();
        let profile_url = profile_url.to_string();
        checks.spawn(async move {
            let outcome = check(&*fetcher, &link.url, &profile_url).await;
            (link.id, outcome)
        });
    }
    let mut verified = 0;
    while let Some(done) = checks.join_next().await {
        let (id, outcome) = match done {
            Ok(done) => done,
            // A check that panicked (it should not) leaves its link as it was.
            Err(_) => continue,
        };
        if outcome.is_ok() {
            verified += 1;
        }
        store::record_check(db, id, outcome).await?;
    }
    Ok(verified)
}

/// The links a profile shows as the member's own: profile URLs proven by IndieAuth, then
/// verified rel=me links, without repeats.
pub async fn verified_links(db: &Db, user_id: i64) -> Result<Vec<String>, sqlx::Error> {
    let mut shown = store::identities(db, user_id).await?;
    for link in store::links(db, user_id).await? {
        if link.verified_at.is_some() && !shown.contains(&link.url) {
            shown.push(link.url);
        }
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syndication::fetch::Canned;

    #[test]
    fn the_link_back_may_differ_in_scheme_slash_and_case_only() {
        let profile = Url::parse("https://commons.example/u/Ada").unwrap();
        assert!(same_profile("https://commons.example/u/Ada", &profile));
        assert!(same_profile("http://commons.example/u/ada/", &profile));
        assert!(!same_profile("https://commons.example/u/adam", &profile));
        assert!(!same_profile("https://other.example/u/Ada", &profile));
        assert!(!same_profile(
            "https://commons.example:8443/u/Ada",
            &profile
        ));
        assert!(!same_profile("not a url", &profile));
    }

    #[tokio::test]
    async fn a_page_verifies_only_when_it_links_back_with_rel_me() {
        let fetch = Canned::default()
            .with(
                "https://ada.example/",
                200,
                &[],
                r#"<a rel="me" href="https://commons.example/u/ada">me there</a>"#,
            )
            .with(
                "https://plain.example/",
                200,
                &[],
                r#"<a href="https://commons.example/u/ada">no rel</a>"#,
            )
            .with("https://gone.example/", 404, &[], "");
        let profile = "https://commons.example/u/ada";
        assert_eq!(check(&fetch, "https://ada.example/", profile).await, Ok(()));
        let not = check(&fetch, "https://plain.example/", profile).await;
        assert!(not.unwrap_err().contains("no rel=\"me\" link"));
        let gone = check(&fetch, "https://gone.example/", profile).await;
        assert!(gone.unwrap_err().contains("HTTP 404"));
    }
}
