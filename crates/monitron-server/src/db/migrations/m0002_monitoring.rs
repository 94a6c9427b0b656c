//! Monitors (services and domains), their current state, incidents, the scheduler lease,
//! and the time-series tables of check results.
//!
//! Time-series tables are keyed by a small integer `series_id` instead of the monitor's
//! UUID: it is stored in every row, and 4 bytes instead of 16 is most of the difference
//! between a compact result and a bloated one. Raw results are `WITHOUT ROWID` on SQLite
//! (the primary key is the table, no second index) and partitioned by time on PostgreSQL
//! so retention drops whole partitions. Every tier table is `(series_id, time, values)`
//! with integer epoch-millisecond time, the shape TimescaleDB hypertables and continuous
//! aggregates take over unchanged. On PostgreSQL the tables rewritten in place on every
//! batch (rollups, monitor states) leave half of each page free, so updates stay on their
//! page (HOT) instead of bloating the table and its index.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Series {
    Table,
    Id,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Monitors {
    Table,
    Id,
    SeriesId,
    Kind,
    Name,
    Description,
    CheckType,
    Config,
    Labels,
    GroupName,
    Enabled,
    IntervalS,
    TimeoutS,
    FailureThreshold,
    SuccessThreshold,
    PingToken,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MonitorStates {
    Table,
    MonitorId,
    Status,
    StatusSince,
    LastCheckedAt,
    LastResponseMs,
    Message,
    ConsecutiveFailures,
    ConsecutiveSuccesses,
    Details,
    LastStartAt,
    LastSuccessAt,
    LastFailureAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Id,
    MonitorId,
    TargetType,
    TargetName,
    GroupName,
    StartedAt,
    ResolvedAt,
    Cause,
    LastMessage,
    AcknowledgedBy,
    AcknowledgedAt,
}

#[derive(DeriveIden)]
enum Leases {
    Table,
    Name,
    Holder,
    ExpiresAt,
}

const SQLITE_SERIES: &str = "
CREATE TABLE check_results (
    series_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    up INTEGER NOT NULL,
    response_us INTEGER,
    message TEXT,
    PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;
CREATE TABLE check_rollups_1m (
    series_id INTEGER NOT NULL, bucket INTEGER NOT NULL,
    checks INTEGER NOT NULL, up INTEGER NOT NULL, timed INTEGER NOT NULL,
    sum_us INTEGER NOT NULL, min_us INTEGER, max_us INTEGER,
    PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;
CREATE TABLE check_rollups_1h (
    series_id INTEGER NOT NULL, bucket INTEGER NOT NULL,
    checks INTEGER NOT NULL, up INTEGER NOT NULL, timed INTEGER NOT NULL,
    sum_us INTEGER NOT NULL, min_us INTEGER, max_us INTEGER,
    PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;
CREATE TABLE check_rollups_1d (
    series_id INTEGER NOT NULL, bucket INTEGER NOT NULL,
    checks INTEGER NOT NULL, up INTEGER NOT NULL, timed INTEGER NOT NULL,
    sum_us INTEGER NOT NULL, min_us INTEGER, max_us INTEGER,
    PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;
";

const POSTGRES_SERIES: &str = "
CREATE TABLE check_results (
    series_id INTEGER NOT NULL,
    ts BIGINT NOT NULL,
    up BOOLEAN NOT NULL,
    response_us INTEGER,
    message TEXT,
    PRIMARY KEY (series_id, ts)
) PARTITION BY RANGE (ts);
CREATE TABLE check_rollups_1m (
    series_id INTEGER NOT NULL, bucket BIGINT NOT NULL,
    checks INTEGER NOT NULL, up INTEGER NOT NULL, timed INTEGER NOT NULL,
    sum_us BIGINT NOT NULL, min_us INTEGER, max_us INTEGER,
    PRIMARY KEY (series_id, bucket)
) WITH (fillfactor = 50);
CREATE TABLE check_rollups_1h (LIKE check_rollups_1m INCLUDING ALL) WITH (fillfactor = 50);
CREATE TABLE check_rollups_1d (LIKE check_rollups_1m INCLUDING ALL) WITH (fillfactor = 50);
ALTER TABLE monitor_states SET (fillfactor = 50);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Series::Table)
                .col(
                    ColumnDef::new(Series::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Series::Kind).string_len(16).not_null())
                .col(
                    ColumnDef::new(Series::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Monitors::Table)
                .col(ColumnDef::new(Monitors::Id).uuid().not_null().primary_key())
                .col(
                    ColumnDef::new(Monitors::SeriesId)
                        .big_integer()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Monitors::Kind).string_len(16).not_null())
                .col(ColumnDef::new(Monitors::Name).string_len(200).not_null())
                .col(ColumnDef::new(Monitors::Description).text().null())
                .col(
                    ColumnDef::new(Monitors::CheckType)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(Monitors::Config).json().not_null())
                .col(ColumnDef::new(Monitors::Labels).json_binary().not_null())
                .col(ColumnDef::new(Monitors::GroupName).string_len(100).null())
                .col(ColumnDef::new(Monitors::Enabled).boolean().not_null())
                .col(ColumnDef::new(Monitors::IntervalS).integer().not_null())
                .col(ColumnDef::new(Monitors::TimeoutS).integer().not_null())
                .col(
                    ColumnDef::new(Monitors::FailureThreshold)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Monitors::SuccessThreshold)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Monitors::PingToken)
                        .string_len(64)
                        .null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Monitors::CreatedBy).uuid().null())
                .col(
                    ColumnDef::new(Monitors::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Monitors::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "idx_monitors_kind_name",
                vec![Monitors::Kind, Monitors::Name],
            ),
            ("idx_monitors_group", vec![Monitors::GroupName]),
            ("idx_monitors_updated_at", vec![Monitors::UpdatedAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Monitors::Table);
            for col in cols {
                index.col(col);
            }
            m.create_index(index.to_owned()).await?;
        }

        m.create_table(
            Table::create()
                .table(MonitorStates::Table)
                .col(
                    ColumnDef::new(MonitorStates::MonitorId)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(MonitorStates::Status)
                        .string_len(16)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(MonitorStates::StatusSince)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(MonitorStates::LastCheckedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(MonitorStates::LastResponseMs)
                        .double()
                        .null(),
                )
                .col(ColumnDef::new(MonitorStates::Message).text().null())
                .col(
                    ColumnDef::new(MonitorStates::ConsecutiveFailures)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(MonitorStates::ConsecutiveSuccesses)
                        .integer()
                        .not_null(),
                )
                .col(ColumnDef::new(MonitorStates::Details).json().null())
                .col(
                    ColumnDef::new(MonitorStates::LastStartAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(MonitorStates::LastSuccessAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(MonitorStates::LastFailureAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(MonitorStates::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;

        m.create_index(
            Index::create()
                .name("idx_monitor_states_updated_at")
                .table(MonitorStates::Table)
                .col(MonitorStates::UpdatedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Incidents::Table)
                .col(
                    ColumnDef::new(Incidents::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Incidents::MonitorId).uuid().not_null())
                .col(
                    ColumnDef::new(Incidents::TargetType)
                        .string_len(16)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Incidents::TargetName)
                        .string_len(200)
                        .not_null(),
                )
                .col(ColumnDef::new(Incidents::GroupName).string_len(100).null())
                .col(
                    ColumnDef::new(Incidents::StartedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Incidents::ResolvedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(Incidents::Cause).text().not_null())
                .col(ColumnDef::new(Incidents::LastMessage).text().null())
                .col(ColumnDef::new(Incidents::AcknowledgedBy).uuid().null())
                .col(
                    ColumnDef::new(Incidents::AcknowledgedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_incidents_monitor_started")
                .table(Incidents::Table)
                .col(Incidents::MonitorId)
                .col(Incidents::StartedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_incidents_started")
                .table(Incidents::Table)
                .col(Incidents::StartedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Leases::Table)
                .col(
                    ColumnDef::new(Leases::Name)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Leases::Holder).string_len(100).not_null())
                .col(ColumnDef::new(Leases::ExpiresAt).big_integer().not_null())
                .to_owned(),
        )
        .await?;

        let db = m.get_connection();
        // At most one open incident per monitor, enforced by the database.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_incidents_one_open ON incidents (monitor_id) WHERE resolved_at IS NULL",
        )
        .await?;
        let series = match m.get_database_backend() {
            DbBackend::Postgres => POSTGRES_SERIES,
            _ => SQLITE_SERIES,
        };
        db.execute_unprepared(series).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "check_rollups_1d",
            "check_rollups_1h",
            "check_rollups_1m",
            "check_results",
            "leases",
            "incidents",
            "monitor_states",
            "monitors",
            "series",
        ] {
            m.get_connection()
                .execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        Ok(())
    }
}
