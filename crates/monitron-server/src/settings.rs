//! Run-time settings that administrators change through the API, stored as key -> JSON rows
//! so that adding a setting needs no migration. Missing keys read as their default.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::entities::setting;

/// Key of the hashed one-time setup token (internal; never returned by the API).
pub const SETUP_TOKEN_KEY: &str = "setup_token_hash";

/// The settings visible to administrators.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Settings {
    /// Anyone may create a viewer account through `POST /auth/register`.
    pub registration_enabled: bool,
    /// The API accepts HTTP Basic credentials (username or e-mail + password).
    pub basic_auth_enabled: bool,
}

impl Settings {
    fn as_pairs(&self) -> [(&'static str, serde_json::Value); 2] {
        [
            ("registration_enabled", self.registration_enabled.into()),
            ("basic_auth_enabled", self.basic_auth_enabled.into()),
        ]
    }
}

/// Reads the settings.
pub async fn load(db: &impl ConnectionTrait) -> Result<Settings, DbErr> {
    let rows = setting::Entity::find().all(db).await?;
    let mut settings = Settings::default();
    for row in rows {
        match (row.key.as_str(), row.value.as_bool()) {
            ("registration_enabled", Some(v)) => settings.registration_enabled = v,
            ("basic_auth_enabled", Some(v)) => settings.basic_auth_enabled = v,
            _ => {}
        }
    }
    Ok(settings)
}

/// Writes every setting of `settings`.
pub async fn store(db: &impl ConnectionTrait, settings: &Settings) -> Result<(), DbErr> {
    for (key, value) in settings.as_pairs() {
        put(db, key, value).await?;
    }
    Ok(())
}

/// Inserts or replaces one key.
pub async fn put(
    db: &impl ConnectionTrait,
    key: &str,
    value: serde_json::Value,
) -> Result<(), DbErr> {
    let row = setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value),
        updated_at: Set(Utc::now()),
    };
    setting::Entity::insert(row)
        .on_conflict(
            OnConflict::column(setting::Column::Key)
                .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Reads one raw key.
pub async fn get(db: &impl ConnectionTrait, key: &str) -> Result<Option<serde_json::Value>, DbErr> {
    Ok(setting::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .map(|r| r.value))
}

/// Removes one key; true when it existed (so that exactly one caller consumes it).
pub async fn remove(db: &impl ConnectionTrait, key: &str) -> Result<bool, DbErr> {
    let result = setting::Entity::delete_by_id(key.to_owned())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Writes defaults for keys a database does not have yet (new databases, new settings).
pub async fn ensure_defaults(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    for (key, value) in Settings::default().as_pairs() {
        let row = setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value),
            updated_at: Set(Utc::now()),
        };
        setting::Entity::insert(row)
            .on_conflict(
                OnConflict::column(setting::Column::Key)
                    .do_nothing()
                    .to_owned(),
            )
            .do_nothing()
            .exec(db)
            .await?;
    }
    Ok(())
}
