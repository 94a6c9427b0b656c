//! Users, sign-in sessions, credentials, grants, audit log, settings and roles.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Roles {
    Table,
    Name,
    Rank,
    Description,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    Email,
    DisplayName,
    PasswordHash,
    Role,
    Active,
    Theme,
    Color,
    LastLoginAt,
    PasswordChangedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    Ip,
    UserAgent,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    SessionId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    UserId,
    Name,
    Prefix,
    KeyHash,
    Role,
    ExpiresAt,
    LastUsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum UserGrants {
    Table,
    Id,
    UserId,
    GroupName,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLogs {
    Table,
    Id,
    At,
    ActorId,
    ActorName,
    Action,
    TargetType,
    TargetId,
    RequestId,
    Ip,
    Details,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

fn time(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn time_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string().not_null().to_owned()
}

fn text_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string().null().to_owned()
}

fn user_fk(
    from_table: impl IntoIden + 'static,
    from_col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Roles::Table)
                .col(
                    ColumnDef::new(Roles::Name)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Roles::Rank).integer().not_null())
                .col(text(Roles::Description))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(Roles::Table)
                .columns([Roles::Name, Roles::Rank, Roles::Description])
                .values_panic([
                    "admin".into(),
                    3.into(),
                    "Everything, including users and settings".into(),
                ])
                .values_panic([
                    "editor".into(),
                    2.into(),
                    "Manage monitors, pages and alerts".into(),
                ])
                .values_panic(["viewer".into(), 1.into(), "Read-only".into()])
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(id(Users::Id))
                .col(text(Users::Username))
                .col(text(Users::Email))
                .col(text_null(Users::DisplayName))
                .col(text(Users::PasswordHash))
                .col(text(Users::Role))
                .col(ColumnDef::new(Users::Active).boolean().not_null())
                .col(text(Users::Theme))
                .col(text(Users::Color))
                .col(time_null(Users::LastLoginAt))
                .col(time(Users::PasswordChangedAt))
                .col(time(Users::CreatedAt))
                .col(time(Users::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Users::Table, Users::Role)
                        .to(Roles::Table, Roles::Name),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("users_username_key")
                .table(Users::Table)
                .col(Users::Username)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("users_email_key")
                .table(Users::Table)
                .col(Users::Email)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("users_created_at_idx")
                .table(Users::Table)
                .col(Users::CreatedAt)
                .col(Users::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(id(Sessions::Id))
                .col(ColumnDef::new(Sessions::UserId).uuid().not_null())
                .col(text_null(Sessions::Ip))
                .col(text_null(Sessions::UserAgent))
                .col(time(Sessions::CreatedAt))
                .col(time(Sessions::ExpiresAt))
                .col(time_null(Sessions::RevokedAt))
                .col(text_null(Sessions::RevokedReason))
                .foreign_key(&mut user_fk(Sessions::Table, Sessions::UserId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sessions_user_id_idx")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(id(RefreshTokens::Id))
                .col(ColumnDef::new(RefreshTokens::SessionId).uuid().not_null())
                .col(text(RefreshTokens::TokenHash))
                .col(time(RefreshTokens::CreatedAt))
                .col(time(RefreshTokens::ExpiresAt))
                .col(time_null(RefreshTokens::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(RefreshTokens::Table, RefreshTokens::SessionId)
                        .to(Sessions::Table, Sessions::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("refresh_tokens_hash_key")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::TokenHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("refresh_tokens_session_idx")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::SessionId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(id(ApiKeys::Id))
                .col(ColumnDef::new(ApiKeys::UserId).uuid().not_null())
                .col(text(ApiKeys::Name))
                .col(text(ApiKeys::Prefix))
                .col(text(ApiKeys::KeyHash))
                .col(text(ApiKeys::Role))
                .col(time_null(ApiKeys::ExpiresAt))
                .col(time_null(ApiKeys::LastUsedAt))
                .col(time(ApiKeys::CreatedAt))
                .foreign_key(&mut user_fk(ApiKeys::Table, ApiKeys::UserId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("api_keys_hash_key")
                .table(ApiKeys::Table)
                .col(ApiKeys::KeyHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("api_keys_user_idx")
                .table(ApiKeys::Table)
                .col(ApiKeys::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PasswordResets::Table)
                .col(id(PasswordResets::Id))
                .col(ColumnDef::new(PasswordResets::UserId).uuid().not_null())
                .col(text(PasswordResets::TokenHash))
                .col(time(PasswordResets::CreatedAt))
                .col(time(PasswordResets::ExpiresAt))
                .col(time_null(PasswordResets::UsedAt))
                .foreign_key(&mut user_fk(PasswordResets::Table, PasswordResets::UserId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("password_resets_hash_key")
                .table(PasswordResets::Table)
                .col(PasswordResets::TokenHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("password_resets_user_idx")
                .table(PasswordResets::Table)
                .col(PasswordResets::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserGrants::Table)
                .col(id(UserGrants::Id))
                .col(ColumnDef::new(UserGrants::UserId).uuid().not_null())
                .col(text(UserGrants::GroupName))
                .col(text(UserGrants::Role))
                .col(time(UserGrants::CreatedAt))
                .foreign_key(&mut user_fk(UserGrants::Table, UserGrants::UserId))
                .foreign_key(
                    ForeignKey::create()
                        .from(UserGrants::Table, UserGrants::Role)
                        .to(Roles::Table, Roles::Name),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("user_grants_user_group_key")
                .table(UserGrants::Table)
                .col(UserGrants::UserId)
                .col(UserGrants::GroupName)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLogs::Table)
                .col(id(AuditLogs::Id))
                .col(time(AuditLogs::At))
                .col(ColumnDef::new(AuditLogs::ActorId).uuid().null())
                .col(text(AuditLogs::ActorName))
                .col(text(AuditLogs::Action))
                .col(text_null(AuditLogs::TargetType))
                .col(text_null(AuditLogs::TargetId))
                .col(text_null(AuditLogs::RequestId))
                .col(text_null(AuditLogs::Ip))
                .col(ColumnDef::new(AuditLogs::Details).json().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_logs_at_idx")
                .table(AuditLogs::Table)
                .col(AuditLogs::At)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_logs_actor_idx")
                .table(AuditLogs::Table)
                .col(AuditLogs::ActorId)
                .col(AuditLogs::At)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_logs_action_idx")
                .table(AuditLogs::Table)
                .col(AuditLogs::Action)
                .col(AuditLogs::At)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Settings::Table)
                .col(
                    ColumnDef::new(Settings::Key)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Settings::Value).json().not_null())
                .col(time(Settings::UpdatedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Settings::Table.into_iden(),
            AuditLogs::Table.into_iden(),
            UserGrants::Table.into_iden(),
            PasswordResets::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Roles::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
