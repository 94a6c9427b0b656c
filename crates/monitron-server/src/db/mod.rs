//! Database access: connecting to SQLite or PostgreSQL, migrating, and the entities.
//!
//! Configuration data goes through SeaORM so that one code path serves both engines.

pub mod entities;
pub mod group_commit;
pub mod list;
pub mod migrations;

use std::time::Duration;

use anyhow::Context;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqlErr, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use secrecy::ExposeSecret;

use crate::config::{DatabaseConfig, DatabaseKind};

/// Opens the connection pool, creating the SQLite file and its folder when needed.
pub async fn connect(config: &DatabaseConfig) -> anyhow::Result<DatabaseConnection> {
    open(config, false).await
}

/// The pool for writes acknowledged to agents, which delete their buffered copy on the
/// acknowledgement: on SQLite its commits sync the log (`synchronous=FULL`), so they
/// survive a power cut; the main pool syncs at checkpoints, which costs a fifth of the
/// engine's CPU per check when every batch syncs. Syncing the log also makes every
/// earlier commit durable. PostgreSQL commits are durable already: the main pool is
/// returned.
pub async fn connect_durable(
    config: &DatabaseConfig,
    main: &DatabaseConnection,
) -> anyhow::Result<DatabaseConnection> {
    if config.kind == DatabaseKind::Sqlite {
        open(config, true).await
    } else {
        Ok(main.clone())
    }
}

async fn open(config: &DatabaseConfig, durable: bool) -> anyhow::Result<DatabaseConnection> {
    let url = config.url.expose_secret();
    if config.kind == DatabaseKind::Sqlite {
        if let Some(dir) =
            sqlite_path(url).and_then(|p| std::path::Path::new(p).parent().map(ToOwned::to_owned))
        {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(&dir).with_context(|| {
                    format!("Failed to create database folder {}", dir.display())
                })?;
            }
        }
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(config.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if config.kind == DatabaseKind::Sqlite {
        // One writer at a time is SQLite's rule; WAL lets readers go on while it writes, and
        // the busy timeout makes writers queue instead of failing with "database is locked".
        let synchronous = if durable {
            sea_orm::sqlx::sqlite::SqliteSynchronous::Full
        } else {
            sea_orm::sqlx::sqlite::SqliteSynchronous::Normal
        };
        if durable {
            options.max_connections(2);
        }
        options.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(synchronous)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    }
    let db = Database::connect(options).await.with_context(|| {
        format!(
            "Failed to connect to the database at {}",
            crate::config::mask_url_password(url)
        )
    })?;
    Ok(db)
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (path != ":memory:" && !path.is_empty()).then_some(path)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    migrations::Migrator::up(db, None)
        .await
        .context("Failed to migrate the database schema")?;
    Ok(())
}

/// Opens a transaction that will write.
///
/// On SQLite a plain `BEGIN` is deferred: the transaction reads from a snapshot and, when it
/// later writes after another connection committed, fails at once with SQLITE_BUSY_SNAPSHOT
/// ("database is locked") instead of waiting. Taking the write lock first, with a write that
/// changes nothing, makes concurrent writers queue on the busy timeout instead. PostgreSQL
/// needs nothing special.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        txn.execute_unprepared("UPDATE roles SET rank = rank WHERE 1 = 0")
            .await?;
    }
    Ok(txn)
}

/// Checks that the database answers.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// The values of hand-written SQL, each bound where the SQL text needs it: [`Params::bind`]
/// answers the placeholder the backend wants (`$1`, `$2`, ... on PostgreSQL, `?` on
/// SQLite), so the text is written once and never rewritten afterwards (a rewrite would
/// also hit a `?` that is no placeholder, such as PostgreSQL's jsonb operator). Where a
/// statement fits a builder, sea-query builds it instead; this is for the batch writes and
/// aggregates whose exact text matters for speed.
pub struct Params {
    backend: DbBackend,
    values: Vec<sea_orm::Value>,
}

impl Params {
    /// No values yet, room for `capacity`.
    pub fn new(backend: DbBackend, capacity: usize) -> Self {
        Self {
            backend,
            values: Vec::with_capacity(capacity),
        }
    }

    fn placeholder(&self, out: &mut String) {
        use std::fmt::Write;
        match self.backend {
            DbBackend::Postgres => {
                let _ = write!(out, "${}", self.values.len());
            }
            _ => out.push('?'),
        }
    }

    /// Binds a value; answers its placeholder.
    pub fn bind(&mut self, value: impl Into<sea_orm::Value>) -> String {
        self.values.push(value.into());
        let mut out = String::with_capacity(4);
        self.placeholder(&mut out);
        out
    }

    /// Binds rows of values; answers `(p, p, p), (p, p, p)` for a multi-row VALUES.
    pub fn rows<R: IntoIterator<Item = sea_orm::Value>>(
        &mut self,
        rows: impl IntoIterator<Item = R>,
    ) -> String {
        let mut out = String::new();
        for (i, row) in rows.into_iter().enumerate() {
            out.push_str(if i == 0 { "(" } else { "),(" });
            for (j, value) in row.into_iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                self.values.push(value);
                self.placeholder(&mut out);
            }
        }
        if !out.is_empty() {
            out.push(')');
        }
        out
    }

    /// The statement `sql` with the values bound so far.
    pub fn statement(self, sql: impl Into<String>) -> sea_orm::Statement {
        sea_orm::Statement::from_sql_and_values(self.backend, sql.into(), self.values)
    }
}

/// True when the error is a unique-constraint violation.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_path_is_taken_from_the_url() {
        assert_eq!(
            sqlite_path("sqlite://./data/monitron.db?mode=rwc"),
            Some("./data/monitron.db")
        );
        assert_eq!(sqlite_path("sqlite:/abs/m.db"), Some("/abs/m.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }

    #[test]
    fn placeholders_are_written_per_backend_as_values_are_bound() {
        let mut pg = Params::new(DbBackend::Postgres, 4);
        let sql = format!(
            "a = {} AND b IN {} AND labels ? 'x'",
            pg.bind(1i64),
            pg.rows([[2i64.into(), 3i64.into()], [4i64.into(), 5i64.into()]])
        );
        assert_eq!(sql, "a = $1 AND b IN ($2,$3),($4,$5) AND labels ? 'x'");
        assert_eq!(pg.statement(sql).values.map(|v| v.0.len()), Some(5));
        let mut lite = Params::new(DbBackend::Sqlite, 2);
        let sql = format!("a = {} AND b = {}", lite.bind(1i64), lite.bind(2i64));
        assert_eq!(sql, "a = ? AND b = ?");
    }
}
