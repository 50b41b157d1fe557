-- Bulk awards: a CSV of recipients uploaded by staff, kept as a job and its rows so that the
-- work survives a restart. A row is pending until it has either an award (award_id) or a
-- message saying why it was not awarded (error); each row's result is written in the same
-- transaction as its award, so a resumed job never awards a row twice.
CREATE TABLE bulk_award_jobs (
    id INTEGER PRIMARY KEY,
    badge_class_id INTEGER NOT NULL REFERENCES badge_classes(id),
    started_by INTEGER NOT NULL REFERENCES users(id),
    total INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    -- When a worker last took a batch of this job (it also serialises workers on the job).
    worked_at INTEGER,
    finished_at INTEGER
);
CREATE INDEX bulk_award_jobs_unfinished ON bulk_award_jobs(finished_at);

CREATE TABLE bulk_award_rows (
    job_id INTEGER NOT NULL REFERENCES bulk_award_jobs(id),
    -- The line of the file the row came from, as people count them (the header is line 1).
    row_no INTEGER NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    -- The evidence column as given: URLs separated by spaces.
    evidence TEXT NOT NULL DEFAULT '',
    award_id TEXT REFERENCES awards(id),
    error TEXT,
    PRIMARY KEY (job_id, row_no)
);
