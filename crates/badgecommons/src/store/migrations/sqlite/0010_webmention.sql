-- Webmention: mentions other sites make of this site's pages (received), and the ones this site
-- makes of outside pages its posts link to (sent). Both are jobs: a process claims a row
-- (claimed_at) before working on it, so two processes never fetch or send the same one; a claim
-- older than a few minutes belongs to a process that died mid-way. A failure is retried at
-- next_attempt_at with a growing delay. Times are Unix milliseconds, as everywhere.

-- One row per (source, target): a re-sent Webmention updates its row.
CREATE TABLE webmentions (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    -- The source's host (and port, when not the scheme's own), lower case: what moderation and
    -- rate limits count by.
    source_domain TEXT NOT NULL,
    -- The topic the target is (or a post of it): where the mention shows.
    topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    -- The last outcome: 'pending' (never verified yet), 'accepted', 'held', 'rejected' or
    -- 'deleted'; reason says why in words. A re-sent mention keeps showing its last outcome
    -- until it is verified again (next_attempt_at is set while a verification is due).
    status TEXT NOT NULL,
    reason TEXT,
    -- What the source says, once verified: 'reply', 'like', 'repost', 'bookmark' or 'mention'.
    kind TEXT,
    source_url TEXT,
    entry_url TEXT,
    entry_name TEXT,
    author_name TEXT,
    author_url TEXT,
    author_photo TEXT,
    -- Sanitised with syndication::sanitize::clean_html before it is stored.
    content_html TEXT,
    published TEXT,
    -- A moderator let the mention (and so its domain) through.
    approved_at INTEGER,
    received_at INTEGER NOT NULL,
    verified_at INTEGER,
    claimed_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (source, target)
);
CREATE INDEX webmentions_due ON webmentions(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webmentions_topic ON webmentions(topic_id, status);
CREATE INDEX webmentions_domain ON webmentions(source_domain, status);

-- Every Webmention request received, kept for an hour: the per-domain rate limit counts them in
-- the database so that several processes share one limit.
CREATE TABLE webmention_requests (
    id INTEGER PRIMARY KEY,
    source_domain TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX webmention_requests_domain ON webmention_requests(source_domain, received_at);

-- Domains whose Webmentions are refused.
CREATE TABLE webmention_blocked_domains (
    domain TEXT PRIMARY KEY,
    blocked_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);

-- Community-wide settings (one row, id = 1): hold the first mention from a domain that has none
-- accepted yet; how many Webmentions one source domain may send per hour.
CREATE TABLE webmention_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    hold_new_domains INTEGER NOT NULL DEFAULT 1,
    per_domain_per_hour INTEGER NOT NULL DEFAULT 60
);
INSERT INTO webmention_settings (id) VALUES (1);

-- Webmentions this site sends: one row per (source, target). A post's sends name it (post_id);
-- other features may queue sends of their own pages (post_id NULL).
CREATE TABLE webmention_sends (
    id INTEGER PRIMARY KEY,
    post_id INTEGER REFERENCES posts(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    -- 'pending', 'sent', 'no endpoint' or 'failed'.
    status TEXT NOT NULL,
    -- 0 once the post no longer links the target (it was still told, so it can drop the mention).
    linked INTEGER NOT NULL DEFAULT 1,
    endpoint TEXT,
    response_status INTEGER,
    location TEXT,
    error TEXT,
    queued_at INTEGER NOT NULL,
    sent_at INTEGER,
    claimed_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    UNIQUE (source, target)
);
CREATE INDEX webmention_sends_due ON webmention_sends(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webmention_sends_post ON webmention_sends(post_id);
