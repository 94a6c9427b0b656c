//! The outbox: work that must not be lost (e-mail now; notifications and reports next),
//! written in the same transaction as the change that asked for it.
//!
//! With the in-process queue the outbox is where that work waits, is retried and, once
//! its attempts are spent, stays as a dead letter; with RabbitMQ it is the hand-over: each
//! row is published (confirmed) to its durable queue, then deleted. `not_before` and
//! `claimed_until` are epoch milliseconds, compared with the clock of whoever claims.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    Payload,
    Attempt,
    Status,
    NotBefore,
    ClaimedUntil,
    LastError,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(ColumnDef::new(Outbox::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(Outbox::Kind).string_len(32).not_null())
                .col(ColumnDef::new(Outbox::Payload).binary().not_null())
                .col(ColumnDef::new(Outbox::Attempt).integer().not_null())
                .col(ColumnDef::new(Outbox::Status).string_len(16).not_null())
                .col(ColumnDef::new(Outbox::NotBefore).big_integer().not_null())
                .col(ColumnDef::new(Outbox::ClaimedUntil).big_integer().null())
                .col(ColumnDef::new(Outbox::LastError).text().null())
                .col(
                    ColumnDef::new(Outbox::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("outbox_due_idx")
                .table(Outbox::Table)
                .col(Outbox::Status)
                .col(Outbox::Kind)
                .col(Outbox::NotBefore)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}
