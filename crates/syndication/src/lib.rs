//! Syndication: how Badge Commons reads and writes the open web.
//!
//! A community platform lives among other sites. Members write on their own
//! blogs and reply from there; readers follow the forum in a feed reader; other
//! sites link to a topic and say so. This crate holds the formats and protocols
//! for that, and nothing that needs a database or a web server:
//!
//! - feeds: reading RSS, Atom, JSON Feed and h-feed into one entry model
//!   ([`feeds`]), and writing Atom ([`atom`]);
//! - discovery of a site's feeds, `rel=me` links, WebSub hub and Webmention
//!   endpoint ([`discovery`]); sending and verifying Webmentions
//!   ([`webmention`]); subscribing to WebSub hubs ([`websub`]); network
//!   access comes in through the small [`fetch::Fetch`] trait so tests run
//!   offline;
//! - the one HTML sanitising policy of the project ([`sanitize`]): every piece
//!   of HTML that comes from outside — a member's post, a feed entry, a
//!   Webmention source — passes through [`sanitize::clean_html`] before it is
//!   shown;
//! - rendering of member-written Markdown to that safe HTML, with links and
//!   `@mentions` ([`markdown`]).
//!
//! Keeping the policy here, in one place, means the app cannot grow a second,
//! weaker one by accident.

#![warn(missing_docs)]

pub mod atom;
pub mod discovery;
pub mod feeds;
pub mod fetch;
pub mod markdown;
pub mod sanitize;
pub mod webmention;
pub mod websub;
