//! Users as the product sees them: validation of names and addresses, lookups, the public
//! view, and the rules that protect the last administrator.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{password, Role};
use crate::db::entities::{password_reset, session, user};
use crate::error::{check_optional, Error, FieldErrors, Result};

/// Theme preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Light.
    Light,
    /// Dark.
    Dark,
    /// Follow the operating system.
    System,
}

/// Colour theme preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    /// Light blue.
    Blue,
    /// Orange.
    Orange,
    /// Light green.
    Green,
}

impl Theme {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::System => "system",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Light, Self::Dark, Self::System]
            .into_iter()
            .find(|t| t.as_str() == name)
    }
}

impl Color {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blue => "blue",
            Self::Orange => "orange",
            Self::Green => "green",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Blue, Self::Orange, Self::Green]
            .into_iter()
            .find(|c| c.as_str() == name)
    }
}

/// Whether an account may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    /// May sign in.
    Active,
    /// Deactivated by an administrator.
    Inactive,
}

/// A user as returned by the API (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    /// User id (UUID v7).
    pub id: Uuid,
    /// Login name, lower case.
    pub username: String,
    /// E-mail address, lower case.
    pub email: String,
    /// Name to show in the UI.
    pub display_name: Option<String>,
    /// Global role.
    pub role: Role,
    /// Account status.
    pub status: UserStatus,
    /// Last successful sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<user::Model> for UserView {
    fn from(u: user::Model) -> Self {
        Self {
            id: u.id,
            role: Role::parse(&u.role).unwrap_or(Role::Viewer),
            status: if u.active {
                UserStatus::Active
            } else {
                UserStatus::Inactive
            },
            username: u.username,
            email: u.email,
            display_name: u.display_name,
            last_login_at: u.last_login_at,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// Longest display name.
pub const MAX_DISPLAY_NAME: usize = 100;

/// Normalises and checks a username: 3-32 characters of `a-z 0-9 . _ -`, starting with a
/// letter or digit. Returns the lower-case form.
pub fn validate_username(raw: &str) -> Result<String, String> {
    let name = raw.trim().to_lowercase();
    let len = name.chars().count();
    if !(3..=32).contains(&len) {
        return Err("must be 3 to 32 characters".into());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("may contain only letters, digits, '.', '_' and '-'".into());
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("must start with a letter or digit".into());
    }
    if name.contains('@') {
        return Err("must not contain '@'".into());
    }
    Ok(name)
}

/// Normalises and checks an e-mail address (parsed as an RFC 5322 mailbox address).
pub fn validate_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    if email.len() > 254 {
        return Err("must be at most 254 characters".into());
    }
    match email.parse::<lettre::Address>() {
        Ok(addr) if addr.domain().contains('.') || addr.domain() == "localhost" => Ok(email),
        _ => Err("must be a valid e-mail address".into()),
    }
}

/// Checks an optional display name.
pub fn validate_display_name(raw: &str) -> Result<Option<String>, String> {
    let name = raw.trim();
    if name.chars().count() > MAX_DISPLAY_NAME {
        return Err(format!("must be at most {MAX_DISPLAY_NAME} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

/// A new account's fields, validated and normalised.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Lower-case username.
    pub username: String,
    /// Lower-case e-mail address.
    pub email: String,
    /// Display name, if one was given.
    pub display_name: Option<String>,
}

/// Validates a new account's fields, naming every bad one.
pub fn validate_new(
    username: &str,
    email: &str,
    password: &str,
    display_name: Option<&str>,
) -> Result<NewAccount, FieldErrors> {
    let mut errors = FieldErrors::new();
    let username = validate_username(username).unwrap_or_else(|e| {
        errors.insert("username".into(), e);
        String::new()
    });
    let email = validate_email(email).unwrap_or_else(|e| {
        errors.insert("email".into(), e);
        String::new()
    });
    if let Err(e) = crate::auth::password::check_policy(password, &username, &email) {
        errors.insert("password".into(), e);
    }
    let display_name = check_optional(
        &mut errors,
        "display_name",
        display_name,
        validate_display_name,
    )
    .flatten();
    if errors.is_empty() {
        Ok(NewAccount {
            username,
            email,
            display_name,
        })
    } else {
        Err(errors)
    }
}

/// Validated profile changes: `display_name` is `Some(None)` to clear it; absent fields
/// stay as they are.
#[derive(Debug, Clone)]
pub struct ProfileChanges {
    /// New display name (`Some(None)` clears it).
    pub display_name: Option<Option<String>>,
    /// New e-mail address, lower case.
    pub email: Option<String>,
}

/// Validates changes to a display name and e-mail address, naming every bad field.
pub fn validate_profile_changes(
    display_name: Option<&str>,
    email: Option<&str>,
) -> Result<ProfileChanges, FieldErrors> {
    let mut errors = FieldErrors::new();
    let display_name = check_optional(
        &mut errors,
        "display_name",
        display_name,
        validate_display_name,
    );
    let email = check_optional(&mut errors, "email", email, validate_email);
    if errors.is_empty() {
        Ok(ProfileChanges {
            display_name,
            email,
        })
    } else {
        Err(errors)
    }
}

/// Creates a user row; the caller audits it.
pub async fn insert_user(
    db: &impl ConnectionTrait,
    username: &str,
    email: &str,
    display_name: Option<String>,
    password: &str,
    role: Role,
) -> Result<user::Model> {
    ensure_unique(db, Some(username), Some(email), None).await?;
    let now = Utc::now();
    let hash = password::hash(password.to_owned()).await?;
    // A concurrent insert that slipped past the check above is a conflict too: the
    // unique index names the field.
    let row = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username.to_owned()),
        email: Set(email.to_owned()),
        display_name: Set(display_name),
        password_hash: Set(hash),
        role: Set(role.as_str().to_owned()),
        active: Set(true),
        theme: Set(Theme::System.as_str().to_owned()),
        color: Set(Color::Blue.as_str().to_owned()),
        last_login_at: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(row)
}

/// A conflict naming the field when a username or e-mail is taken by someone else.
pub async fn ensure_unique(
    db: &impl ConnectionTrait,
    username: Option<&str>,
    email: Option<&str>,
    except: Option<Uuid>,
) -> Result<()> {
    let mut errors = FieldErrors::new();
    for (field, column, value) in [
        ("username", user::Column::Username, username),
        ("email", user::Column::Email, email),
    ] {
        let Some(value) = value else { continue };
        let mut query = user::Entity::find().filter(column.eq(value));
        if let Some(id) = except {
            query = query.filter(user::Column::Id.ne(id));
        }
        if query.count(db).await? > 0 {
            errors.insert(field.into(), "is already taken".into());
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Conflict(errors))
    }
}

/// Finds a user by username or e-mail (case-insensitive).
pub async fn find_by_login(
    db: &impl ConnectionTrait,
    login: &str,
) -> Result<Option<user::Model>, DbErr> {
    let login = login.trim().to_lowercase();
    let column = if login.contains('@') {
        user::Column::Email
    } else {
        user::Column::Username
    };
    user::Entity::find().filter(column.eq(login)).one(db).await
}

/// Key for per-account rate limits: the account when the login names one (so its username
/// and e-mail share one budget), otherwise the login as typed.
pub fn account_key(user: Option<&user::Model>, login: &str) -> String {
    match user {
        Some(u) => format!("user:{}", u.id),
        None => format!("login:{}", login.trim().to_lowercase()),
    }
}

/// The login as recorded in the audit log: kept when it is shaped like a username or an
/// e-mail address, withheld otherwise (it may be a password typed into the wrong field).
pub fn loggable_login(login: &str) -> String {
    if validate_username(login).is_ok() || validate_email(login).is_ok() {
        login.trim().to_lowercase()
    } else {
        "(not a username or e-mail; withheld)".to_owned()
    }
}

/// Number of active administrators, locking their rows until the transaction ends (on
/// PostgreSQL; SQLite write transactions already exclude each other), so that two
/// administrators demoting each other at once cannot both succeed.
pub async fn active_admins(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let admins = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Active.eq(true))
        .lock_exclusive()
        .all(db)
        .await?;
    Ok(admins.len() as u64)
}

/// Voids every outstanding password-reset link of a user (after the password or the
/// e-mail address changed, a link mailed earlier must not work).
pub async fn forget_reset_links(db: &impl ConnectionTrait, user_id: Uuid) -> Result<(), DbErr> {
    password_reset::Entity::delete_many()
        .filter(password_reset::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// True when no user exists yet.
pub async fn none_exist(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(user::Entity::find().count(db).await? == 0)
}

/// Revokes every live session of a user (their refresh tokens and access tokens stop
/// working), optionally sparing one. Returns how many were revoked.
pub async fn revoke_sessions(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    except: Option<Uuid>,
    reason: &str,
) -> Result<u64, DbErr> {
    let mut query = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(id) = except {
        query = query.filter(session::Column::Id.ne(id));
    }
    Ok(query.exec(db).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preference_names_round_trip_and_match_the_api_spelling() {
        for t in [Theme::Light, Theme::Dark, Theme::System] {
            assert_eq!(Theme::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        for c in [Color::Blue, Color::Orange, Color::Green] {
            assert_eq!(Color::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert_eq!(Theme::parse("neon"), None);
    }

    #[test]
    fn username_rules() {
        assert_eq!(validate_username("  Alice.Ops "), Ok("alice.ops".into()));
        for bad in [
            "ab",
            "-lead",
            "has space",
            "émile",
            "a@b",
            &"x".repeat(33),
            "drop'table",
        ] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn email_rules() {
        assert_eq!(
            validate_email(" Ops@Example.COM "),
            Ok("ops@example.com".into())
        );
        assert_eq!(
            validate_email("root@localhost"),
            Ok("root@localhost".into())
        );
        for bad in ["", "plain", "a@", "@b.c", "a b@c.d", "a@nodot"] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_name_rules() {
        assert_eq!(validate_display_name("  "), Ok(None));
        assert_eq!(validate_display_name("Zoë 🚀"), Ok(Some("Zoë 🚀".into())));
        assert!(validate_display_name("a\u{0}b").is_err());
        assert!(validate_display_name(&"x".repeat(101)).is_err());
    }
}
