-- The planet: feeds of members' own sites (or added by admins), and the entries read from them.
-- Each feed is polled by a job: a process claims the feed (claimed_at) before fetching it, so
-- several processes never fetch the same feed at once; a claim older than a few minutes belongs
-- to a process that died mid-fetch. Times are Unix milliseconds, as everywhere.
CREATE TABLE planet_feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    -- The site the feed was found on (what the member typed), and the feed's own title.
    site_url TEXT,
    title TEXT,
    -- 'rss', 'atom', 'json' or 'h-feed' once read; NULL before the first fetch.
    format TEXT,
    -- The member whose site this is (entries are credited to them); NULL for a feed an admin
    -- added for the community.
    member_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    added_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- Per-feed filter: only entries with one of these tags, or containing one of these words, are
    -- shown (newline-separated, lower case; empty: everything).
    filter_tags TEXT NOT NULL DEFAULT '',
    filter_words TEXT NOT NULL DEFAULT '',
    -- Conditional GET validators from the last 200 answer.
    etag TEXT,
    last_modified TEXT,
    -- Polling schedule and health.
    next_poll_at INTEGER NOT NULL,
    interval_ms INTEGER NOT NULL,
    claimed_at INTEGER,
    last_polled_at INTEGER,
    last_success_at INTEGER,
    last_error TEXT,
    last_error_at INTEGER,
    error_count INTEGER NOT NULL DEFAULT 0,
    -- WebSub: the hub and topic the feed advertises, our secret, and the lease.
    websub_hub TEXT,
    websub_topic TEXT,
    websub_secret TEXT,
    websub_state TEXT,
    websub_lease_until INTEGER,
    websub_error TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX planet_feeds_due ON planet_feeds(next_poll_at);
CREATE INDEX planet_feeds_member ON planet_feeds(member_id);

CREATE TABLE planet_entries (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES planet_feeds(id) ON DELETE CASCADE,
    -- syndication::feeds::Entry::dedup_key: id, else URL, else content hash.
    dedup_key TEXT NOT NULL,
    url TEXT,
    title TEXT,
    summary_html TEXT,
    content_html TEXT,
    author_name TEXT,
    author_url TEXT,
    author_photo TEXT,
    -- Newline-separated categories, lower case, for the tag filter.
    tags TEXT NOT NULL DEFAULT '',
    -- The date the river sorts by (published, else updated, else first seen).
    published_at INTEGER NOT NULL,
    updated_at INTEGER,
    first_seen_at INTEGER NOT NULL,
    -- Whether the community and feed filters let it through (decided when stored).
    shown INTEGER NOT NULL DEFAULT 1,
    -- The forum topic that discusses it, once someone opened one.
    topic_id INTEGER REFERENCES topics(id) ON DELETE SET NULL,
    -- While a member's "discuss" is opening that topic (so a second click at the same moment
    -- does not open another); a claim older than a minute is stale.
    discussion_claimed_at INTEGER,
    UNIQUE (feed_id, dedup_key)
);
CREATE INDEX planet_entries_river ON planet_entries(published_at, id);
CREATE INDEX planet_entries_feed ON planet_entries(feed_id, published_at);

-- Community-wide planet settings (one row, id = 1): the community's filter.
CREATE TABLE planet_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    filter_tags TEXT NOT NULL DEFAULT '',
    filter_words TEXT NOT NULL DEFAULT ''
);
INSERT INTO planet_settings (id) VALUES (1);
