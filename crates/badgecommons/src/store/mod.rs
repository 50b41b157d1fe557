//! The database: one store API over two backends, SQLite (the default, one file in WAL mode) and
//! PostgreSQL (for communities that outgrow one machine).
//!
//! Why sqlx's `Any` driver and hand-written SQL rather than a query builder or Diesel: nearly every
//! query this application runs is plain SQL that both databases accept unchanged (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT`, `LIMIT/OFFSET`), so a builder would add a dialect layer to hide a
//! difference that is not there. What does differ lives in exactly two places: the migrations (one
//! folder per backend, because DDL differs) and the few statements where a feature uses a backend's
//! own engine (full-text search), which branch on [`Backend`]. To keep both backends reading values
//! alike, the schema uses only integers (`BIGINT` on PostgreSQL) and text: timestamps are Unix
//! milliseconds and yes/no facts are nullable timestamps of when they became true.

mod migrate;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use sqlx::any::AnyRow as Row;
pub use sqlx::Row as _;

/// Which database engine a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pool of connections to the community's database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

/// A transaction on either backend.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// What went wrong opening the database.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The SQLite URL for the database file inside `data_dir`.
pub fn default_sqlite_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("badgecommons.db").display()
    )
}

impl Db {
    /// Opens a pool on `url` (`sqlite://...` or `postgres://...`) without migrating.
    pub async fn connect(url: &str) -> Result<Db, OpenError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(OpenError::UnsupportedUrl(url.to_string()));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool_options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let pool = match backend {
            Backend::Sqlite => {
                pool_options
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers run beside the one writer; NORMAL sync in WAL mode
                            // still survives a killed process (only an OS crash may lose the last
                            // commits). busy_timeout makes writers queue instead of failing.
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                pool_options
                    .max_connections(16)
                    .connect_with(options)
                    .await?
            }
        };
        Ok(Db { pool, backend })
    }

    /// Opens the database and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Db, OpenError> {
        if let Some(path) = sqlite_file(url) {
            if let Some(dir) = Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|source| OpenError::DataDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
        }
        let db = Db::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Applies the migrations this binary knows and the database has not seen yet.
    pub async fn migrate(&self) -> Result<(), OpenError> {
        migrate::run(&self.pool, self.backend).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        self.pool.begin().await
    }

    /// Connections open and idle, for `/metrics`.
    pub fn pool_usage(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://")?;
    Some(rest.split('?').next().unwrap_or(rest))
}

/// Now, in the Unix milliseconds the schema stores (fine enough to order a burst of posts).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// One day in the schema's unit.
pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// Whether `err` is a unique-constraint violation (a duplicate username, slug, ...).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}
