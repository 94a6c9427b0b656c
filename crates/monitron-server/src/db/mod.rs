//! Database access: connecting to SQLite or PostgreSQL, migrating, and the entities.
//!
//! Configuration data goes through SeaORM so that one code path serves both engines.

pub mod entities;
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
    crate::settings::ensure_defaults(db)
        .await
        .context("Failed to seed default settings")?;
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

/// A statement written with `?` placeholders, for `backend`: PostgreSQL wants them
/// numbered (`$1`, `$2`, ...). The SQL passed here never holds a `?` inside a literal.
pub fn statement(
    backend: DbBackend,
    sql: &str,
    values: impl IntoIterator<Item = sea_orm::Value>,
) -> sea_orm::Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut numbered = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                numbered.push('$');
                numbered.push_str(&n.to_string());
            } else {
                numbered.push(c);
            }
        }
        numbered
    } else {
        sql.to_owned()
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
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
    fn placeholders_are_numbered_for_postgres_only() {
        let values = || [1i64.into(), 2i64.into()];
        assert_eq!(
            statement(DbBackend::Postgres, "a = ? AND b IN (?)", values()).sql,
            "a = $1 AND b IN ($2)"
        );
        assert_eq!(
            statement(DbBackend::Sqlite, "a = ? AND b IN (?)", values()).sql,
            "a = ? AND b IN (?)"
        );
    }
}
