//! Alerting: who hears about what, when, and how often.
//!
//! - `notification_channels`: where messages go (e-mail, webhook, chat services, paging
//!   services, Alertmanager), with secrets sealed inside `config`.
//! - `alert_rules`: a target selector, a condition and the timing (`for_s`, reminders,
//!   cooldown) of the alerts it produces. Three rules are seeded, so that one default
//!   channel is all a new installation needs.
//! - `alerts`: one per (rule, target, subject) episode. `open_key` is set while the alert
//!   is pending, firing or suppressed and cleared when it resolves; its unique index is
//!   what makes two processes agree that an episode is already open. `reminder_at` and
//!   `escalate_at` (epoch milliseconds) are the time-driven steps the scheduler-lease
//!   holder takes. `awaiting_parents` marks a `down` alert held until the monitors its
//!   target depends on have been checked afresh.
//! - `notifications`: every message, its rendering data and its delivery log (attempts,
//!   last answer). Messages for a channel that groups wait as `waiting` until
//!   `group_until`, then go out together as one digest.
//! - `escalation_policies` and `maintenance_windows`: steps and schedules, as JSON.
//! - `monitors.depends_on`: the monitors each monitor depends on.

use sea_orm::sea_query::Query;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationChannels {
    Table,
    Id,
    Name,
    ChannelType,
    Config,
    Enabled,
    IsDefault,
    GroupWaitS,
    MaxAttempts,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EscalationPolicies {
    Table,
    Id,
    Name,
    Steps,
    Repeat,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AlertRules {
    Table,
    Id,
    Name,
    Enabled,
    Severity,
    Targets,
    Condition,
    ForS,
    RepeatIntervalS,
    CooldownS,
    SendResolved,
    Channels,
    EscalationPolicyId,
    Message,
    GroupName,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    RuleId,
    RuleName,
    TargetType,
    TargetId,
    TargetName,
    GroupName,
    Subject,
    OpenKey,
    Status,
    Severity,
    Value,
    Message,
    StartedAt,
    FiredAt,
    ResolvedAt,
    AcknowledgedBy,
    AcknowledgedAt,
    SuppressedBy,
    AwaitingParents,
    LastNotifiedAt,
    ReminderAt,
    Escalation,
    EscalateAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    ChannelId,
    ChannelType,
    AlertId,
    Event,
    Status,
    Attempts,
    LastStatusCode,
    LastError,
    Context,
    GroupUntil,
    DigestId,
    CreatedAt,
    SentAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MaintenanceWindows {
    Table,
    Id,
    Name,
    Description,
    Targets,
    Active,
    Schedule,
    Timezone,
    GroupName,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Monitors {
    Table,
    DependsOn,
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn timestamp_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use NotificationChannels as C;
        m.create_table(
            Table::create()
                .table(C::Table)
                .col(ColumnDef::new(C::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(C::Name).string_len(200).not_null())
                .col(ColumnDef::new(C::ChannelType).string_len(32).not_null())
                .col(ColumnDef::new(C::Config).json().not_null())
                .col(ColumnDef::new(C::Enabled).boolean().not_null())
                .col(ColumnDef::new(C::IsDefault).boolean().not_null())
                .col(ColumnDef::new(C::GroupWaitS).integer().not_null())
                .col(ColumnDef::new(C::MaxAttempts).integer().not_null())
                .col(ColumnDef::new(C::CreatedBy).uuid().null())
                .col(timestamp(C::CreatedAt))
                .col(timestamp(C::UpdatedAt))
                .to_owned(),
        )
        .await?;

        use EscalationPolicies as P;
        m.create_table(
            Table::create()
                .table(P::Table)
                .col(ColumnDef::new(P::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(P::Name).string_len(200).not_null())
                .col(ColumnDef::new(P::Steps).json().not_null())
                .col(ColumnDef::new(P::Repeat).integer().not_null())
                .col(ColumnDef::new(P::CreatedBy).uuid().null())
                .col(timestamp(P::CreatedAt))
                .col(timestamp(P::UpdatedAt))
                .to_owned(),
        )
        .await?;

        use AlertRules as R;
        m.create_table(
            Table::create()
                .table(R::Table)
                .col(ColumnDef::new(R::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(R::Name).string_len(200).not_null())
                .col(ColumnDef::new(R::Enabled).boolean().not_null())
                .col(ColumnDef::new(R::Severity).string_len(16).not_null())
                .col(ColumnDef::new(R::Targets).json().not_null())
                .col(ColumnDef::new(R::Condition).json().not_null())
                .col(ColumnDef::new(R::ForS).integer().not_null())
                .col(ColumnDef::new(R::RepeatIntervalS).integer().not_null())
                .col(ColumnDef::new(R::CooldownS).integer().not_null())
                .col(ColumnDef::new(R::SendResolved).boolean().not_null())
                .col(ColumnDef::new(R::Channels).json().not_null())
                .col(ColumnDef::new(R::EscalationPolicyId).uuid().null())
                .col(ColumnDef::new(R::Message).text().null())
                .col(ColumnDef::new(R::GroupName).string_len(200).null())
                .col(ColumnDef::new(R::CreatedBy).uuid().null())
                .col(timestamp(R::CreatedAt))
                .col(timestamp(R::UpdatedAt))
                .to_owned(),
        )
        .await?;

        use Alerts as A;
        m.create_table(
            Table::create()
                .table(A::Table)
                .col(ColumnDef::new(A::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(A::RuleId).uuid().not_null())
                .col(ColumnDef::new(A::RuleName).string_len(200).not_null())
                .col(ColumnDef::new(A::TargetType).string_len(16).not_null())
                .col(ColumnDef::new(A::TargetId).uuid().not_null())
                .col(ColumnDef::new(A::TargetName).string_len(200).not_null())
                .col(ColumnDef::new(A::GroupName).string_len(200).null())
                .col(ColumnDef::new(A::Subject).string_len(200).not_null())
                .col(ColumnDef::new(A::OpenKey).string_len(300).null())
                .col(ColumnDef::new(A::Status).string_len(16).not_null())
                .col(ColumnDef::new(A::Severity).string_len(16).not_null())
                .col(ColumnDef::new(A::Value).double().null())
                .col(ColumnDef::new(A::Message).text().not_null())
                .col(timestamp(A::StartedAt))
                .col(timestamp_null(A::FiredAt))
                .col(timestamp_null(A::ResolvedAt))
                .col(ColumnDef::new(A::AcknowledgedBy).uuid().null())
                .col(timestamp_null(A::AcknowledgedAt))
                .col(ColumnDef::new(A::SuppressedBy).uuid().null())
                .col(
                    ColumnDef::new(A::AwaitingParents)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(timestamp_null(A::LastNotifiedAt))
                .col(ColumnDef::new(A::ReminderAt).big_integer().null())
                .col(ColumnDef::new(A::Escalation).json().null())
                .col(ColumnDef::new(A::EscalateAt).big_integer().null())
                .col(timestamp(A::UpdatedAt))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("alerts_open_key_idx", vec![A::OpenKey]),
            ("alerts_target_idx", vec![A::TargetId, A::StartedAt]),
            ("alerts_started_idx", vec![A::StartedAt]),
            ("alerts_status_idx", vec![A::Status]),
            ("alerts_reminder_idx", vec![A::ReminderAt]),
            ("alerts_escalate_idx", vec![A::EscalateAt]),
        ] {
            let mut index = Index::create().name(name).table(A::Table).to_owned();
            if name == "alerts_open_key_idx" {
                index.unique();
            }
            for col in cols {
                index.col(col);
            }
            m.create_index(index).await?;
        }

        use Notifications as N;
        m.create_table(
            Table::create()
                .table(N::Table)
                .col(ColumnDef::new(N::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(N::ChannelId).uuid().null())
                .col(ColumnDef::new(N::ChannelType).string_len(32).not_null())
                .col(ColumnDef::new(N::AlertId).uuid().null())
                .col(ColumnDef::new(N::Event).string_len(16).not_null())
                .col(ColumnDef::new(N::Status).string_len(16).not_null())
                .col(ColumnDef::new(N::Attempts).integer().not_null())
                .col(ColumnDef::new(N::LastStatusCode).integer().null())
                .col(ColumnDef::new(N::LastError).text().null())
                .col(ColumnDef::new(N::Context).json().not_null())
                .col(ColumnDef::new(N::GroupUntil).big_integer().null())
                .col(ColumnDef::new(N::DigestId).uuid().null())
                .col(timestamp(N::CreatedAt))
                .col(timestamp_null(N::SentAt))
                .col(timestamp(N::UpdatedAt))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("notifications_alert_idx", vec![N::AlertId]),
            (
                "notifications_channel_idx",
                vec![N::ChannelId, N::CreatedAt],
            ),
            ("notifications_status_idx", vec![N::Status, N::GroupUntil]),
            ("notifications_created_idx", vec![N::CreatedAt]),
        ] {
            let mut index = Index::create().name(name).table(N::Table).to_owned();
            for col in cols {
                index.col(col);
            }
            m.create_index(index).await?;
        }

        use MaintenanceWindows as W;
        m.create_table(
            Table::create()
                .table(W::Table)
                .col(ColumnDef::new(W::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(W::Name).string_len(200).not_null())
                .col(ColumnDef::new(W::Description).text().null())
                .col(ColumnDef::new(W::Targets).json().not_null())
                .col(ColumnDef::new(W::Active).boolean().not_null())
                .col(ColumnDef::new(W::Schedule).json().not_null())
                .col(ColumnDef::new(W::Timezone).string_len(64).not_null())
                .col(ColumnDef::new(W::GroupName).string_len(200).null())
                .col(ColumnDef::new(W::CreatedBy).uuid().null())
                .col(timestamp(W::CreatedAt))
                .col(timestamp(W::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.alter_table(
            Table::alter()
                .table(Monitors::Table)
                .add_column(
                    ColumnDef::new(Monitors::DependsOn)
                        .json()
                        .not_null()
                        .default("[]"),
                )
                .to_owned(),
        )
        .await?;

        // The seeded rules: with them, one default channel is all a new installation needs.
        let now = chrono::Utc::now();
        let seeds = [
            (
                "Any monitor down",
                "critical",
                serde_json::json!({ "type": "down" }),
            ),
            (
                "Certificate expires within 14 days",
                "warning",
                serde_json::json!({ "type": "certificate_days", "below": 14 }),
            ),
            (
                "Domain expires within 30 days",
                "warning",
                serde_json::json!({ "type": "domain_days", "below": 30 }),
            ),
        ];
        for (name, severity, condition) in seeds {
            let insert = Query::insert()
                .into_table(R::Table)
                .columns([
                    R::Id,
                    R::Name,
                    R::Enabled,
                    R::Severity,
                    R::Targets,
                    R::Condition,
                    R::ForS,
                    R::RepeatIntervalS,
                    R::CooldownS,
                    R::SendResolved,
                    R::Channels,
                    R::CreatedAt,
                    R::UpdatedAt,
                ])
                .values_panic([
                    uuid::Uuid::now_v7().into(),
                    name.into(),
                    true.into(),
                    severity.into(),
                    serde_json::json!({ "kind": "any" }).into(),
                    condition.into(),
                    0.into(),
                    0.into(),
                    0.into(),
                    true.into(),
                    serde_json::json!([]).into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned();
            m.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Monitors::Table)
                .drop_column(Monitors::DependsOn)
                .to_owned(),
        )
        .await?;
        for table in [
            MaintenanceWindows::Table.into_iden(),
            Notifications::Table.into_iden(),
            Alerts::Table.into_iden(),
            AlertRules::Table.into_iden(),
            EscalationPolicies::Table.into_iden(),
            NotificationChannels::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
