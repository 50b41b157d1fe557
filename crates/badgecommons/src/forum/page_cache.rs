//! Rendered topic pages for signed-out readers, reused until the topic changes.
//!
//! A topic page is the same for every reader without an account, and most readers of public
//! archives have none. Rendering it costs a query returning a row per post; checking whether a
//! cached copy is still right costs the one-row topic query the page needs anyway, because the
//! topic's `revision` goes up (by database triggers) with every change that shows on the page.
//! Several processes sharing one PostgreSQL each keep their own cache and stay right, since the
//! revision lives in the database. The cache is bounded in bytes; when full it starts afresh,
//! which is crude but cannot grow without bound (a small co-op's server has little memory).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

/// Total bytes of HTML kept.
const BUDGET_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct TopicPageCache {
    inner: Mutex<Pages>,
}

#[derive(Debug, Default)]
struct Pages {
    by_topic: HashMap<i64, (i64, Bytes)>,
    bytes: usize,
}

impl TopicPageCache {
    /// The page of `topic_id` if it was rendered at `revision`.
    pub fn get(&self, topic_id: i64, revision: i64) -> Option<Bytes> {
        let pages = self.inner.lock().ok()?;
        match pages.by_topic.get(&topic_id) {
            Some((cached, html)) if *cached == revision => Some(html.clone()),
            _ => None,
        }
    }

    pub fn put(&self, topic_id: i64, revision: i64, html: Bytes) {
        if html.len() > BUDGET_BYTES / 8 {
            return;
        }
        let Ok(mut pages) = self.inner.lock() else {
            return;
        };
        if pages.bytes + html.len() > BUDGET_BYTES {
            pages.by_topic.clear();
            pages.bytes = 0;
        }
        pages.bytes += html.len();
        if let Some((_, old)) = pages.by_topic.insert(topic_id, (revision, html)) {
            pages.bytes -= old.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_reused_only_at_the_revision_it_was_rendered_at() {
        let cache = TopicPageCache::default();
        cache.put(1, 7, Bytes::from_static(b"<p>seven</p>"));
        assert_eq!(cache.get(1, 7).as_deref(), Some(&b"<p>seven</p>"[..]));
        assert_eq!(cache.get(1, 8), None, "a newer revision misses");
        assert_eq!(cache.get(2, 7), None);
    }

    #[test]
    fn the_cache_stays_within_its_budget() {
        let cache = TopicPageCache::default();
        let page = Bytes::from(vec![b'x'; BUDGET_BYTES / 10]);
        for topic in 0..100 {
            cache.put(topic, 1, page.clone());
        }
        let pages = cache.inner.lock().unwrap();
        assert!(pages.bytes <= BUDGET_BYTES);
        assert_eq!(
            pages.bytes,
            pages.by_topic.values().map(|(_, p)| p.len()).sum::<usize>()
        );
    }
}
