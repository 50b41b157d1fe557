-- Award rules: badges the community gives automatically, by rules admins set, when a member's
-- doings meet them; and "thanks", the small appreciation members give each other's posts (one
-- of the things a rule can count).

-- One row per member who thanked a post: the primary key makes thanking twice a no-op.
CREATE TABLE post_thanks (
    post_id INTEGER NOT NULL REFERENCES posts(id),
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

-- The thanks count shows on the topic page, so it changes the topic's revision like any other
-- change there (see 0002 and forum::page_cache).
CREATE TRIGGER post_thanks_insert_bumps_topic AFTER INSERT ON post_thanks
BEGIN
    UPDATE topics SET revision = revision + 1
    WHERE id = (SELECT topic_id FROM posts WHERE id = NEW.post_id);
END;

CREATE TRIGGER post_thanks_delete_bumps_topic AFTER DELETE ON post_thanks
BEGIN
    UPDATE topics SET revision = revision + 1
    WHERE id = (SELECT topic_id FROM posts WHERE id = OLD.post_id);
END;

-- A rule gives badge_class_id to every member who reaches `threshold` of `kind` (see
-- recognition::rules for the kinds). Rules are disabled, never deleted: their awards name them.
-- last_awarded_at is also the row every award by the rule locks first, so that two evaluations
-- of the same member queue instead of racing.
CREATE TABLE award_rules (
    id INTEGER PRIMARY KEY,
    badge_class_id INTEGER NOT NULL REFERENCES badge_classes(id),
    kind TEXT NOT NULL,
    threshold INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    disabled_at INTEGER,
    last_awarded_at INTEGER
);

-- A rule awards a member at most once, whatever races happen.
CREATE UNIQUE INDEX awards_rule_recipient ON awards(rule_id, recipient_user_id)
    WHERE rule_id IS NOT NULL;
