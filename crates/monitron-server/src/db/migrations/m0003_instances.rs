//! Instances: hosts watched through the Monitron agent. An instance is a monitor of kind
//! `instance` (so scheduling, states, incidents, pause and grants work as for services);
//! this migration adds what only agents have.
//!
//! - `instance_agents`: enrollment token and agent credential (both stored as SHA-256),
//!   the configuration the server holds for the agent and which revision it has
//!   delivered, and the last device information.
//! - `instance_actions`: restart/reboot/shutdown requests, audited and waiting for agents
//!   that push over HTTP.
//! - `instance_probes`: each reachability probe and plugin check an agent reports, with
//!   its own series (results are stored like services' results) and its last result.
//! - `instance_latest`: the newest full snapshot and the time of the last contact, one
//!   row per instance, rewritten on every ingest batch (so half of each PostgreSQL page
//!   is left free for in-place updates).
//! - `instance_metrics` (raw, keyed by `(series_id, ts)`, partitioned by day on
//!   PostgreSQL) and `instance_metrics_1m` / `_1h` (sum/min/max per metric and the sample
//!   count): the headline values of each snapshot as numbers, the shape TimescaleDB
//!   could take over as for check results. The primary key makes ingest idempotent: a
//!   snapshot sent twice is stored once.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InstanceAgents {
    Table,
    MonitorId,
    EnrollmentTokenHash,
    CredentialHash,
    EnrolledAt,
    Config,
    ConfigRevision,
    ConfigDelivered,
    Device,
    DeviceAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InstanceActions {
    Table,
    Id,
    MonitorId,
    Action,
    RequestedBy,
    CreatedAt,
    DeliveredAt,
    FinishedAt,
    Ok,
    Message,
}

#[derive(DeriveIden)]
enum InstanceProbes {
    Table,
    MonitorId,
    Name,
    SeriesId,
    Source,
    CheckType,
    LastAt,
    Up,
    ResponseMs,
    Message,
    Details,
}

const SQLITE_SERIES: &str = "
CREATE TABLE instance_latest (
    series_id INTEGER NOT NULL PRIMARY KEY,
    ts INTEGER NOT NULL,
    contact_ms INTEGER NOT NULL,
    snapshot TEXT
);
CREATE TABLE instance_metrics (
    series_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    cpu_pct REAL,
    load1 REAL,
    mem_pct REAL,
    mem_used REAL,
    swap_pct REAL,
    disk_pct REAL,
    disk_read_bps REAL,
    disk_write_bps REAL,
    net_rx_bps REAL,
    net_tx_bps REAL,
    gpu_pct REAL,
    gpu_mem_pct REAL,
    gpu_temp_c REAL,
    gpu_power_w REAL,
    PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;
CREATE TABLE instance_metrics_1m (
    series_id INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    cpu_pct_sum REAL, cpu_pct_min REAL, cpu_pct_max REAL,
    load1_sum REAL, load1_min REAL, load1_max REAL,
    mem_pct_sum REAL, mem_pct_min REAL, mem_pct_max REAL,
    mem_used_sum REAL, mem_used_min REAL, mem_used_max REAL,
    swap_pct_sum REAL, swap_pct_min REAL, swap_pct_max REAL,
    disk_pct_sum REAL, disk_pct_min REAL, disk_pct_max REAL,
    disk_read_bps_sum REAL, disk_read_bps_min REAL, disk_read_bps_max REAL,
    disk_write_bps_sum REAL, disk_write_bps_min REAL, disk_write_bps_max REAL,
    net_rx_bps_sum REAL, net_rx_bps_min REAL, net_rx_bps_max REAL,
    net_tx_bps_sum REAL, net_tx_bps_min REAL, net_tx_bps_max REAL,
    gpu_pct_sum REAL, gpu_pct_min REAL, gpu_pct_max REAL,
    gpu_mem_pct_sum REAL, gpu_mem_pct_min REAL, gpu_mem_pct_max REAL,
    gpu_temp_c_sum REAL, gpu_temp_c_min REAL, gpu_temp_c_max REAL,
    gpu_power_w_sum REAL, gpu_power_w_min REAL, gpu_power_w_max REAL,
    PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;
CREATE TABLE instance_metrics_1h (
    series_id INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    cpu_pct_sum REAL, cpu_pct_min REAL, cpu_pct_max REAL,
    load1_sum REAL, load1_min REAL, load1_max REAL,
    mem_pct_sum REAL, mem_pct_min REAL, mem_pct_max REAL,
    mem_used_sum REAL, mem_used_min REAL, mem_used_max REAL,
    swap_pct_sum REAL, swap_pct_min REAL, swap_pct_max REAL,
    disk_pct_sum REAL, disk_pct_min REAL, disk_pct_max REAL,
    disk_read_bps_sum REAL, disk_read_bps_min REAL, disk_read_bps_max REAL,
    disk_write_bps_sum REAL, disk_write_bps_min REAL, disk_write_bps_max REAL,
    net_rx_bps_sum REAL, net_rx_bps_min REAL, net_rx_bps_max REAL,
    net_tx_bps_sum REAL, net_tx_bps_min REAL, net_tx_bps_max REAL,
    gpu_pct_sum REAL, gpu_pct_min REAL, gpu_pct_max REAL,
    gpu_mem_pct_sum REAL, gpu_mem_pct_min REAL, gpu_mem_pct_max REAL,
    gpu_temp_c_sum REAL, gpu_temp_c_min REAL, gpu_temp_c_max REAL,
    gpu_power_w_sum REAL, gpu_power_w_min REAL, gpu_power_w_max REAL,
    PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;
";

const POSTGRES_SERIES: &str = "
CREATE TABLE instance_latest (
    series_id INTEGER NOT NULL PRIMARY KEY,
    ts BIGINT NOT NULL,
    contact_ms BIGINT NOT NULL,
    snapshot TEXT
) WITH (fillfactor = 50);
CREATE TABLE instance_metrics (
    series_id INTEGER NOT NULL,
    ts BIGINT NOT NULL,
    cpu_pct DOUBLE PRECISION,
    load1 DOUBLE PRECISION,
    mem_pct DOUBLE PRECISION,
    mem_used DOUBLE PRECISION,
    swap_pct DOUBLE PRECISION,
    disk_pct DOUBLE PRECISION,
    disk_read_bps DOUBLE PRECISION,
    disk_write_bps DOUBLE PRECISION,
    net_rx_bps DOUBLE PRECISION,
    net_tx_bps DOUBLE PRECISION,
    gpu_pct DOUBLE PRECISION,
    gpu_mem_pct DOUBLE PRECISION,
    gpu_temp_c DOUBLE PRECISION,
    gpu_power_w DOUBLE PRECISION,
    PRIMARY KEY (series_id, ts)
) PARTITION BY RANGE (ts);
CREATE TABLE instance_metrics_1m (
    series_id INTEGER NOT NULL,
    bucket BIGINT NOT NULL,
    samples INTEGER NOT NULL,
    cpu_pct_sum DOUBLE PRECISION, cpu_pct_min DOUBLE PRECISION, cpu_pct_max DOUBLE PRECISION,
    load1_sum DOUBLE PRECISION, load1_min DOUBLE PRECISION, load1_max DOUBLE PRECISION,
    mem_pct_sum DOUBLE PRECISION, mem_pct_min DOUBLE PRECISION, mem_pct_max DOUBLE PRECISION,
    mem_used_sum DOUBLE PRECISION, mem_used_min DOUBLE PRECISION, mem_used_max DOUBLE PRECISION,
    swap_pct_sum DOUBLE PRECISION, swap_pct_min DOUBLE PRECISION, swap_pct_max DOUBLE PRECISION,
    disk_pct_sum DOUBLE PRECISION, disk_pct_min DOUBLE PRECISION, disk_pct_max DOUBLE PRECISION,
    disk_read_bps_sum DOUBLE PRECISION, disk_read_bps_min DOUBLE PRECISION, disk_read_bps_max DOUBLE PRECISION,
    disk_write_bps_sum DOUBLE PRECISION, disk_write_bps_min DOUBLE PRECISION, disk_write_bps_max DOUBLE PRECISION,
    net_rx_bps_sum DOUBLE PRECISION, net_rx_bps_min DOUBLE PRECISION, net_rx_bps_max DOUBLE PRECISION,
    net_tx_bps_sum DOUBLE PRECISION, net_tx_bps_min DOUBLE PRECISION, net_tx_bps_max DOUBLE PRECISION,
    gpu_pct_sum DOUBLE PRECISION, gpu_pct_min DOUBLE PRECISION, gpu_pct_max DOUBLE PRECISION,
    gpu_mem_pct_sum DOUBLE PRECISION, gpu_mem_pct_min DOUBLE PRECISION, gpu_mem_pct_max DOUBLE PRECISION,
    gpu_temp_c_sum DOUBLE PRECISION, gpu_temp_c_min DOUBLE PRECISION, gpu_temp_c_max DOUBLE PRECISION,
    gpu_power_w_sum DOUBLE PRECISION, gpu_power_w_min DOUBLE PRECISION, gpu_power_w_max DOUBLE PRECISION,
    PRIMARY KEY (series_id, bucket)
) WITH (fillfactor = 50);
CREATE TABLE instance_metrics_1h (LIKE instance_metrics_1m INCLUDING ALL) WITH (fillfactor = 50);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(InstanceAgents::Table)
                .col(
                    ColumnDef::new(InstanceAgents::MonitorId)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(InstanceAgents::EnrollmentTokenHash)
                        .string_len(64)
                        .null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(InstanceAgents::CredentialHash)
                        .string_len(64)
                        .null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(InstanceAgents::EnrolledAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(InstanceAgents::Config).json().not_null())
                .col(
                    ColumnDef::new(InstanceAgents::ConfigRevision)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(InstanceAgents::ConfigDelivered)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(InstanceAgents::Device).json().null())
                .col(
                    ColumnDef::new(InstanceAgents::DeviceAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(InstanceAgents::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(InstanceActions::Table)
                .col(
                    ColumnDef::new(InstanceActions::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(InstanceActions::MonitorId).uuid().not_null())
                .col(
                    ColumnDef::new(InstanceActions::Action)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(InstanceActions::RequestedBy).uuid().null())
                .col(
                    ColumnDef::new(InstanceActions::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(InstanceActions::DeliveredAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(InstanceActions::FinishedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(InstanceActions::Ok).boolean().null())
                .col(ColumnDef::new(InstanceActions::Message).text().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_instance_actions_monitor")
                .table(InstanceActions::Table)
                .col(InstanceActions::MonitorId)
                .col(InstanceActions::CreatedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(InstanceProbes::Table)
                .col(ColumnDef::new(InstanceProbes::MonitorId).uuid().not_null())
                .col(
                    ColumnDef::new(InstanceProbes::Name)
                        .string_len(100)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(InstanceProbes::SeriesId)
                        .big_integer()
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(InstanceProbes::Source)
                        .string_len(16)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(InstanceProbes::CheckType)
                        .string_len(32)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(InstanceProbes::LastAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(InstanceProbes::Up).boolean().not_null())
                .col(ColumnDef::new(InstanceProbes::ResponseMs).double().null())
                .col(ColumnDef::new(InstanceProbes::Message).text().null())
                .col(ColumnDef::new(InstanceProbes::Details).json().null())
                .primary_key(
                    Index::create()
                        .col(InstanceProbes::MonitorId)
                        .col(InstanceProbes::Name),
                )
                .to_owned(),
        )
        .await?;

        let sql = match m.get_database_backend() {
            DbBackend::Postgres => POSTGRES_SERIES,
            _ => SQLITE_SERIES,
        };
        m.get_connection().execute_unprepared(sql).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "instance_metrics_1h",
            "instance_metrics_1m",
            "instance_metrics",
            "instance_latest",
        ] {
            m.get_connection()
                .execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        m.drop_table(Table::drop().table(InstanceProbes::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(InstanceActions::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(InstanceAgents::Table).to_owned())
            .await
    }
}
