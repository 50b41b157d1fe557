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
    (
        4,
        "bulk awards",
        include_str!("migrations/sqlite/0004_bulk_awards.sql"),
    ),
    (
        5,
        "award rules",
        include_str!("migrations/sqlite/0005_award_rules.sql"),
    ),
    (
        6,
        "backpack",
        include_str!("migrations/sqlite/0006_backpack.sql"),
    ),
    (
        7,
        "email confirmation",
        include_str!("migrations/sqlite/0007_email_confirmation.sql"),
    ),
    (
        8,
        "email delivery",
        include_str!("migrations/sqlite/0008_email_delivery.sql"),
    ),
    (
        9,
        "planet",
        include_str!("migrations/sqlite/0009_planet.sql"),
    ),
    (
        10,
        "webmention",
        include_str!("migrations/sqlite/0010_webmention.sql"),
    ),
    (
        11,
        "indieauth",
        include_str!("migrations/sqlite/0011_indieauth.sql"),
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
    (
        4,
        "bulk awards",
        include_str!("migrations/postgres/0004_bulk_awards.sql"),
    ),
    (
        5,
        "award rules",
        include_str!("migrations/postgres/0005_award_rules.sql"),
    ),
    (
        6,
        "backpack",
        include_str!("migrations/postgres/0006_backpack.sql"),
    ),
    (
        7,
        "email confirmation",
        include_str!("migrations/postgres/0007_email_confirmation.sql"),
    ),
    (
        8,
        "email delivery",
        include_str!("migrations/postgres/0008_email_delivery.sql"),
    ),
    (
        9,
        "planet",
        include_str!("migrations/postgres/0009_planet.sql"),
    ),
    (
        10,
        "webmention",
        include_str!("migrations/postgres/0010_webmention.sql"),
    ),
    (
        11,
        "indieauth",
        include_str!("migrations/postgres/0011_indieauth.sql"),
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
