-- Accounts, forum, moderation and search for SQLite. Timestamps are Unix milliseconds.
-- Flags are nullable timestamps (when it happened), never booleans: both backends read them alike.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'member',
    bio TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    approved_at INTEGER,
    suspended_until INTEGER,
    suspension_reason TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);

CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    used_by INTEGER REFERENCES users(id),
    used_at INTEGER
);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    min_role_to_post TEXT NOT NULL DEFAULT 'member',
    created_at INTEGER NOT NULL
);

CREATE TABLE topics (
    id INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_posted_at INTEGER NOT NULL,
    -- Lists order by the newest post's id: unlike a clock, it never ties.
    last_post_id INTEGER NOT NULL DEFAULT 0,
    reply_count INTEGER NOT NULL DEFAULT 0,
    next_number INTEGER NOT NULL DEFAULT 1,
    locked_at INTEGER,
    pinned_at INTEGER,
    deleted_at INTEGER
);
CREATE INDEX topics_activity ON topics(last_post_id DESC);
CREATE INDEX topics_category_activity ON topics(category_id, last_post_id DESC);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    topic_id INTEGER NOT NULL REFERENCES topics(id),
    number INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    deleted_at INTEGER,
    deleted_by INTEGER REFERENCES users(id),
    hidden_at INTEGER,
    hidden_by INTEGER REFERENCES users(id),
    awaiting_approval_at INTEGER,
    UNIQUE (topic_id, number)
);
CREATE INDEX posts_user ON posts(user_id, created_at DESC);

CREATE TABLE post_revisions (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts(id),
    body_markdown TEXT NOT NULL,
    written_at INTEGER NOT NULL,
    replaced_at INTEGER NOT NULL,
    replaced_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX post_revisions_post ON post_revisions(post_id, id);

CREATE TABLE topic_reads (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics(id),
    last_read_number INTEGER NOT NULL,
    PRIMARY KEY (user_id, topic_id)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    post_id INTEGER NOT NULL REFERENCES posts(id),
    actor_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, id DESC);

CREATE TABLE flags (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by INTEGER REFERENCES users(id),
    resolution TEXT NOT NULL DEFAULT ''
);
CREATE INDEX flags_open ON flags(resolved_at, id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES users(id),
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

-- Full-text search: one row per post, kept in step by forum::store.
CREATE VIRTUAL TABLE post_search USING fts5(title, body, tokenize = 'porter unicode61');
