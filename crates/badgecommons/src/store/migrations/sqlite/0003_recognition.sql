-- Recognition: the community's issuer profile, its badge classes and the awards it made.
-- An award keeps the signed Open Badges 3.0 credential exactly as served; its OB 2.0 hosted
-- assertion is derived from the row. Revocation is a status-list bit (status_index), never an
-- edit of the signed credential.
CREATE TABLE issuer_profile (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    image BLOB,
    image_type TEXT,
    updated_at INTEGER NOT NULL
);

CREATE TABLE badge_classes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    criteria TEXT NOT NULL,
    criteria_url TEXT NOT NULL DEFAULT '',
    image BLOB NOT NULL,
    image_type TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    alignments TEXT NOT NULL DEFAULT '[]',
    peer_awardable_at INTEGER,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE awards (
    id TEXT PRIMARY KEY,
    badge_class_id INTEGER NOT NULL REFERENCES badge_classes(id),
    recipient_user_id INTEGER REFERENCES users(id),
    recipient_email TEXT NOT NULL,
    recipient_name TEXT NOT NULL DEFAULT '',
    recipient_salt TEXT NOT NULL,
    narrative TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '[]',
    status_index INTEGER NOT NULL UNIQUE,
    credential TEXT NOT NULL,
    awarded_by INTEGER REFERENCES users(id),
    rule_id INTEGER,
    issued_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revocation_reason TEXT NOT NULL DEFAULT '',
    revoked_by INTEGER REFERENCES users(id),
    hidden_at INTEGER
);
CREATE INDEX awards_recipient_user ON awards(recipient_user_id);
CREATE INDEX awards_recipient_email ON awards(recipient_email);
CREATE INDEX awards_badge_class ON awards(badge_class_id);

-- The next status list index to give out. A counter row (not MAX(status_index) + 1) so that
-- concurrent awards queue on its lock instead of colliding, and a bulk award reserves a block.
CREATE TABLE status_index_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_index INTEGER NOT NULL
);
INSERT INTO status_index_counter (id, next_index) VALUES (1, 0);

-- Notifications may now be about an award (no post, and no actor when a rule made it). SQLite
-- cannot drop NOT NULL, so the table is rebuilt with its rows.
CREATE TABLE notifications_v2 (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    post_id INTEGER REFERENCES posts(id),
    award_id TEXT REFERENCES awards(id),
    actor_id INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
INSERT INTO notifications_v2 (id, user_id, kind, post_id, actor_id, created_at, read_at)
    SELECT id, user_id, kind, post_id, actor_id, created_at, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_v2 RENAME TO notifications;
CREATE INDEX notifications_user ON notifications(user_id, id DESC);
