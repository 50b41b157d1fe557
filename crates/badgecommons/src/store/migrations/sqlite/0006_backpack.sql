-- The backpack: badges members import from anywhere, each stored with its latest verification
-- report whatever the verdict (a forged or revoked badge is kept, marked, never shown as valid),
-- and named, ordered collections of a member's badges (imported ones and awards received).
CREATE TABLE backpack_badges (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- url, json, jwt or image
    source TEXT NOT NULL,
    -- The URL, the credential JSON or JWT, or the payload baked into the image.
    payload TEXT NOT NULL,
    image BLOB,
    image_type TEXT,
    format TEXT NOT NULL,
    -- When the last verification found it valid; NULL when it did not.
    valid_at INTEGER,
    report TEXT NOT NULL,
    badge_name TEXT NOT NULL DEFAULT '',
    issuer_name TEXT NOT NULL DEFAULT '',
    issued TEXT NOT NULL DEFAULT '',
    expires TEXT NOT NULL DEFAULT '',
    revoked_at INTEGER,
    verified_at INTEGER NOT NULL,
    -- Imported badges are private until the member shows them on their profile.
    hidden_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX backpack_badges_user ON backpack_badges(user_id, id);

CREATE TABLE backpack_collections (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    public_at INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, slug)
);

-- One item is either an imported badge or an award the member received.
CREATE TABLE backpack_collection_items (
    id INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES backpack_collections(id) ON DELETE CASCADE,
    badge_id INTEGER REFERENCES backpack_badges(id) ON DELETE CASCADE,
    award_id TEXT REFERENCES awards(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    CHECK ((badge_id IS NULL) <> (award_id IS NULL)),
    UNIQUE (collection_id, badge_id),
    UNIQUE (collection_id, award_id)
);
CREATE INDEX backpack_collection_items_order ON backpack_collection_items(collection_id, position);
