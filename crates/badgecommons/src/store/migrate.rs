//! Schema migrations, embedded in the binary so that one file is all a host installs.
//!
//! sqlx's `migrate!` macro would need its compile-time machinery for both drivers; building the
//! `Migrator` from `include_str!` keeps the same bookkeeping table (`_sqlx_migrations`) without it.

use std::borrow::Cow;

use futures_core::future::BoxFuture;

use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrateError, Migration, MigrationSource, MigrationType, Migrator};
use sqlx::AnyPool;

use super::Backend;

const SQLITE: &[(i64, &str, &str)] = &[
    (1, "forum", include_str!("migrations/sqlite/0001_forum.sql")),
    (
        2,
        "topic revision",
        include_str!("migrations/sqlite/0002_topic_revision.sql"),
    ),
    (
        3,
        "recognition",
        include_str!("migrations/sqlite/0003_recognition.sql"),
    ),
];

const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "forum",
        include_str!("migrations/postgres/0001_forum.sql"),
    ),
    (
        2,
        "topic revision",
        include_str!("migrations/postgres/0002_topic_revision.sql"),
    ),
    (
        3,
        "recognition",
        include_str!("migrations/postgres/0003_recognition.sql"),
    ),
];

/// The migrations of one backend, handed to sqlx's `Migrator`.
#[derive(Debug)]
struct Embedded(&'static [(i64, &'static str, &'static str)]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

pub(super) async fn run(pool: &AnyPool, backend: Backend) -> Result<(), MigrateError> {
    let sources = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    Migrator::new(Embedded(sources)).await?.run(pool).await
}
