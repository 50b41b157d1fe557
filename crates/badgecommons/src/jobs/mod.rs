//! Background work kept in the database, so it survives restarts and is retried with backoff.
//! Each job runs in any number of server processes at once: rows are claimed before they are
//! worked on, so no two processes do the same work.

pub mod outbox;
