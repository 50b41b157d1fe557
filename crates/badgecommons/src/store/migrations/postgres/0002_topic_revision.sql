-- A topic's revision goes up with every change that shows on its page, so that a rendered page
-- can be reused until then (forum::page_cache). Triggers keep it true whatever code writes.
ALTER TABLE topics ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_topic_revision_for_post() RETURNS trigger AS $$
BEGIN
    UPDATE topics SET revision = revision + 1 WHERE id = NEW.topic_id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER posts_bump_topic AFTER INSERT OR UPDATE ON posts
FOR EACH ROW EXECUTE FUNCTION bump_topic_revision_for_post();

CREATE FUNCTION bump_own_topic_revision() RETURNS trigger AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER topics_bump_revision
BEFORE UPDATE OF title, slug, category_id, locked_at, pinned_at, deleted_at, reply_count, last_post_id ON topics
FOR EACH ROW EXECUTE FUNCTION bump_own_topic_revision();
