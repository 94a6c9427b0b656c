//! One episode of a rule's condition holding for one target (and mount or device).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub rule_id: Uuid,
    pub rule_name: String,
    pub target_type: String,
    pub target_id: Uuid,
    pub target_name: String,
    pub group_name: Option<String>,
    /// The mount or device a metric alert is about; empty otherwise.
    pub subject: String,
    /// `rule:target:subject` while open (pending, firing, suppressed); `None` once resolved.
    #[sea_orm(unique)]
    pub open_key: Option<String>,
    pub status: String,
    pub severity: String,
    pub value: Option<f64>,
    pub message: String,
    pub started_at: DateTimeUtc,
    pub fired_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<Uuid>,
    pub acknowledged_at: Option<DateTimeUtc>,
    /// The parent monitor whose outage suppresses this alert.
    pub suppressed_by: Option<Uuid>,
    /// Held until the monitors the target depends on are checked afresh.
    pub awaiting_parents: bool,
    pub last_notified_at: Option<DateTimeUtc>,
    /// When the next reminder is due (epoch milliseconds).
    pub reminder_at: Option<i64>,
    /// The escalation policy as it was when the alert fired, and its progress.
    pub escalation: Option<Json>,
    /// When the next escalation step is due (epoch milliseconds).
    pub escalate_at: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
