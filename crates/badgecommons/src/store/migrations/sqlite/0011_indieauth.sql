-- IndieAuth sign-in and verified rel=me links. Times are Unix milliseconds, as everywhere.

-- One sign-in in progress: created when the browser is sent to the member's authorization server,
-- spent (used_at) when it comes back, whatever the outcome, so a state works once. Only a hash of
-- the state is kept; the PKCE verifier is kept as is because the code exchange needs it, and the
-- row is useless after a few minutes.
CREATE TABLE indieauth_requests (
    state_hash TEXT PRIMARY KEY,
    -- The profile URL the member typed, canonicalised.
    me TEXT NOT NULL,
    authorization_endpoint TEXT NOT NULL,
    -- The issuer from the server's metadata; NULL for servers found by the older rels.
    issuer TEXT,
    code_verifier TEXT NOT NULL,
    -- Where to go afterwards (a local path).
    next_path TEXT NOT NULL DEFAULT '/',
    created_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX indieauth_requests_created ON indieauth_requests(created_at);

-- A profile URL proven by IndieAuth, and the account it signs in to.
CREATE TABLE indieauth_identities (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    me TEXT NOT NULL UNIQUE,
    authorization_endpoint TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE INDEX indieauth_identities_user ON indieauth_identities(user_id);

-- The sites and profiles a member lists as their own; verified_at is set when the page links
-- back to the member's profile here with rel=me, and cleared when a check no longer finds it.
CREATE TABLE rel_me_links (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    checked_at INTEGER,
    verified_at INTEGER,
    -- Why the last check did not verify it, in words.
    last_error TEXT,
    UNIQUE (user_id, url)
);
