-- A topic's revision goes up with every change that shows on its page, so that a rendered page
-- can be reused until then (forum::page_cache). Triggers keep it true whatever code writes.
ALTER TABLE topics ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER posts_insert_bumps_topic AFTER INSERT ON posts
BEGIN
    UPDATE topics SET revision = revision + 1 WHERE id = NEW.topic_id;
END;

CREATE TRIGGER posts_update_bumps_topic AFTER UPDATE ON posts
BEGIN
    UPDATE topics SET revision = revision + 1 WHERE id = NEW.topic_id;
END;

CREATE TRIGGER topics_update_bumps_revision
AFTER UPDATE OF title, slug, category_id, locked_at, pinned_at, deleted_at, reply_count, last_post_id ON topics
BEGIN
    UPDATE topics SET revision = revision + 1 WHERE id = NEW.id;
END;
