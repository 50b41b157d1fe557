//! The forum: categories, topics and replies written in Markdown, quoting, editing with visible
//! history, soft deletion, unread markers, Atom feeds and a sitemap. Every topic and post has a
//! permanent address (`/t/{id}/{slug}#p{n}`) and microformats2 markup, and reading needs no
//! account: the archives are public.

mod api;
mod feeds;
mod model;
mod page_cache;
pub mod posting;
mod routes;
pub mod store;
pub mod thanks;

pub use model::{topic_path, Category, Post, PostSummary, Topic};
pub use page_cache::TopicPageCache;

use axum::Router;

use crate::store::Db;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    routes::routes()
        .merge(feeds::routes())
        .merge(api::routes())
        .merge(thanks::routes())
}

/// A member's newest public posts, for their profile.
pub async fn posts_by_member(
    db: &Db,
    user_id: i64,
    limit: i64,
) -> Result<Vec<PostSummary>, sqlx::Error> {
    store::recent_posts(db, store::PostScope::Member(user_id), limit, "").await
}
