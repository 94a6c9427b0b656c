//! First-start duties: create the initial administrator from `INITIAL_ADMIN_*`, or, when
//! none is configured and no user exists, print a one-time setup token that lets the first
//! person to hold it create the administrator account.

use anyhow::{bail, Context};
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;

use crate::audit::{self, Actor, Entry};
use crate::auth::{tokens, Role};
use crate::config::Config;
use crate::{settings, users};

/// What start-up did about the first account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// Users exist; nothing to do.
    Ready,
    /// The initial administrator was created from the configuration.
    AdminCreated,
    /// A setup token was issued (its value; it is also logged).
    SetupToken(String),
}

/// Brings a database up to date: the schema migrated, then default settings added
/// where they are missing (a new database, or settings a newer version introduced).
pub async fn prepare_database(db: &DatabaseConnection) -> anyhow::Result<()> {
    crate::db::migrate(db).await?;
    settings::ensure_defaults(db)
        .await
        .context("Failed to seed default settings")?;
    Ok(())
}

/// Runs the first-start duties.
pub async fn run(db: &DatabaseConnection, config: &Config) -> anyhow::Result<Bootstrap> {
    if !users::none_exist(db).await? {
        return Ok(Bootstrap::Ready);
    }
    if let Some(admin) = &config.initial_admin {
        let username = users::validate_username(&admin.username)
            .map_err(|e| anyhow::anyhow!("INITIAL_ADMIN_USERNAME: {e}"))?;
        let email = users::validate_email(&admin.email)
            .map_err(|e| anyhow::anyhow!("INITIAL_ADMIN_EMAIL: {e}"))?;
        let password = admin.password.expose_secret();
        if let Err(e) = crate::auth::password::check_policy(password, &username, &email) {
            bail!("INITIAL_ADMIN_PASSWORD: {e}");
        }
        let txn = crate::db::begin_write(db).await?;
        let user = crate::users::insert_user(&txn, &username, &email, None, password, Role::Admin)
            .await
            .map_err(|e| anyhow::anyhow!("Failed to create the initial administrator: {e:?}"))?;
        audit::record(&txn, None, Entry::new(Actor::system(), "user.create").target("user", user.id).details(serde_json::json!({ "username": user.username, "role": "admin", "source": "INITIAL_ADMIN" }))).await?;
        txn.commit()
            .await
            .context("Failed to store the initial administrator")?;
        tracing::info!(username = %user.username, "Created the initial administrator from INITIAL_ADMIN_*.");
        return Ok(Bootstrap::AdminCreated);
    }
    let token = tokens::random_token("setup_");
    settings::put(
        db,
        settings::SETUP_TOKEN_KEY,
        serde_json::Value::String(tokens::hash_token(&token)),
    )
    .await?;
    let url = &config.public_url;
    tracing::warn!(
        "No user exists yet. Create the administrator with this one-time setup token:\n\n    {token}\n\n  \
         curl -X POST {url}/api/v1/auth/register -H 'Content-Type: application/json' \\\n    \
         -d '{{\"username\":\"admin\",\"email\":\"you@example.com\",\"password\":\"<at least 10 characters>\",\"setup_token\":\"{token}\"}}'\n\n  \
         Or set INITIAL_ADMIN_EMAIL and INITIAL_ADMIN_PASSWORD and restart."
    );
    Ok(Bootstrap::SetupToken(token))
}
