//! The error of every operation below the API: services, storage, authentication. The API
//! maps each variant to one status and envelope code (`api::envelope`); nothing here
//! knows about HTTP.
//!
//! Storage errors that are constraint violations (a duplicate, a reference to something
//! gone) are conflicts naming the field, never internal errors: two requests racing for
//! the same unique value are an everyday event, not a bug.

use std::time::Duration;

use sea_orm::{DbErr, RuntimeErr};

pub use monitron_proto::fields::{prefixed, verdict};
pub use monitron_proto::FieldErrors;

/// What an operation can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input failed validation; the reason for each field.
    #[error("Validation failed")]
    Validation(FieldErrors),
    /// No such thing, or none the caller may see.
    #[error("Not found")]
    NotFound(&'static str),
    /// The caller may not do this.
    #[error("Forbidden")]
    Forbidden(String),
    /// Conflicts with stored data (a duplicate, a reference to something gone).
    #[error("Conflict")]
    Conflict(FieldErrors),
    /// The credentials are invalid, expired or revoked.
    #[error("Invalid or expired credentials")]
    InvalidCredentials,
    /// Too many attempts; retry after this long.
    #[error("Too many requests")]
    RateLimited(Duration),
    /// A dependency (database, queue, mail server) is unreachable or did not do its part.
    #[error("Service unavailable")]
    Unavailable(String),
    /// Something broke; the details are for the log.
    #[error("Internal error")]
    Internal(#[source] anyhow::Error),
}

/// Result of operations below the API.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A validation error on one field.
    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        Self::Validation(FieldErrors::from([(field.to_owned(), reason.into())]))
    }

    /// A conflict on one field.
    pub fn conflict(field: &str, reason: impl Into<String>) -> Self {
        Self::Conflict(FieldErrors::from([(field.to_owned(), reason.into())]))
    }

    /// A validation error when `errors` names any field.
    pub fn check(errors: FieldErrors) -> Result<()> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Self::Validation(errors))
        }
    }
}

/// Validates an optional input field. Absent: `None`. Invalid: `None`, with the reason
/// recorded under `field` so that all bad fields are reported together.
pub fn check_optional<T>(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    validate: impl FnOnce(&str) -> std::result::Result<T, String>,
) -> Option<T> {
    match value.map(validate)? {
        Ok(valid) => Some(valid),
        Err(reason) => {
            errors.insert(field.to_owned(), reason);
            None
        }
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        match violation(&err) {
            Some(Violation::Unique(field)) => Self::conflict(&field, "is already taken"),
            Some(Violation::Reference(field)) => Self::conflict(
                &field,
                "refers to something that does not exist (or is still referred to); reload and try again",
            ),
            None => Self::Internal(err.into()),
        }
    }
}

impl From<anyhow::Error> for Error {
    fn from(err: anyhow::Error) -> Self {
        match err.downcast::<DbErr>() {
            Ok(db) => db.into(),
            Err(err) => Self::Internal(err),
        }
    }
}

/// A constraint a write broke, with the field it concerns (`_` when the database does not
/// say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A unique value is taken.
    Unique(String),
    /// A foreign key points nowhere, or a row is still referred to.
    Reference(String),
}

/// The constraint violation behind `err`, if it is one.
pub fn violation(err: &DbErr) -> Option<Violation> {
    let (DbErr::Exec(RuntimeErr::SqlxError(sea_orm::sqlx::Error::Database(db)))
    | DbErr::Query(RuntimeErr::SqlxError(sea_orm::sqlx::Error::Database(db)))) = err
    else {
        return None;
    };
    if let Some(pg) = db.try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>() {
        // The detail names the columns: `Key (user_id, group_name)=(...) already exists.`
        let field = pg
            .detail()
            .and_then(columns_of_detail)
            .unwrap_or("_".into());
        return match pg.code() {
            "23505" => Some(Violation::Unique(field)),
            "23503" => Some(Violation::Reference(field)),
            _ => None,
        };
    }
    if db
        .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
        .is_some()
    {
        // `UNIQUE constraint failed: users.email` (primary keys: 1555; others: 2067);
        // foreign keys (787) name no column.
        let message = db.message();
        return match db.code().as_deref() {
            Some("1555" | "2067") => Some(Violation::Unique(
                message
                    .split_once("failed: ")
                    .map(|(_, columns)| last_column(columns))
                    .unwrap_or("_".into()),
            )),
            Some("787") => Some(Violation::Reference("_".into())),
            _ => None,
        };
    }
    None
}

fn columns_of_detail(detail: &str) -> Option<String> {
    let columns = detail.strip_prefix("Key (")?.split_once(")=")?.0;
    Some(last_column(columns))
}

/// The field a list of columns stands for: the last one, which is the one a person chose
/// (`user_id, group_name` -> `group`), without its table and API-irrelevant suffixes.
fn last_column(columns: &str) -> String {
    let column = columns.rsplit(',').next().unwrap_or(columns).trim();
    let column = column.rsplit('.').next().unwrap_or(column);
    match column {
        "group_name" => "group".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database};

    use super::*;

    #[test]
    fn columns_name_the_field() {
        assert_eq!(last_column("users.email"), "email");
        assert_eq!(
            last_column("user_grants.user_id, user_grants.group_name"),
            "group"
        );
        assert_eq!(
            columns_of_detail("Key (user_id, group_name)=(1, a) already exists.").as_deref(),
            Some("group")
        );
        assert_eq!(columns_of_detail("something else"), None);
    }

    /// Regression: constraint violations outside the users module answered 500.
    #[tokio::test]
    async fn sqlite_constraint_violations_are_conflicts_naming_the_field() {
        // One connection: every connection to `:memory:` is a database of its own.
        let mut options = sea_orm::ConnectOptions::new("sqlite::memory:");
        options.max_connections(1).min_connections(1);
        let db = Database::connect(options).await.unwrap();
        db.execute_unprepared(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE parents (id INTEGER PRIMARY KEY);
             CREATE TABLE things (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parents(id), slug TEXT UNIQUE);
             INSERT INTO parents (id) VALUES (1);
             INSERT INTO things (id, parent, slug) VALUES (1, 1, 'a');",
        )
        .await
        .unwrap();
        let duplicate = db
            .execute_unprepared("INSERT INTO things (id, parent, slug) VALUES (2, 1, 'a')")
            .await
            .unwrap_err();
        match Error::from(duplicate) {
            Error::Conflict(fields) => assert_eq!(fields["slug"], "is already taken"),
            other => panic!("{other:?}"),
        }
        let dangling = db
            .execute_unprepared("INSERT INTO things (id, parent, slug) VALUES (3, 9, 'b')")
            .await
            .unwrap_err();
        assert!(matches!(Error::from(dangling), Error::Conflict(f) if f.contains_key("_")));
        let other = db.execute_unprepared("SELECT nope").await.unwrap_err();
        assert!(matches!(Error::from(other), Error::Internal(_)));
    }
}
