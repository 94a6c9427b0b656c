//! Single-use tickets that open a live-events WebSocket from a browser, which cannot set
//! headers on a WebSocket request. Kept in the database so any API process accepts a
//! ticket another one issued.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LiveTickets {
    Table,
    TokenHash,
    UserId,
    Credential,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LiveTickets::Table)
                .col(
                    ColumnDef::new(LiveTickets::TokenHash)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(LiveTickets::UserId).uuid().not_null())
                .col(ColumnDef::new(LiveTickets::Credential).json().not_null())
                .col(
                    ColumnDef::new(LiveTickets::ExpiresAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(LiveTickets::Table).to_owned())
            .await
    }
}
