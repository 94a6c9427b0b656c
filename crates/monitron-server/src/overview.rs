//! Counts for the dashboard and the headers of the monitor lists: monitors by status per
//! kind and per group, open incidents and firing alerts, each one grouped query over what
//! the caller may see, so the UI never loads every monitor to count them.

use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::alerting::status;
use crate::auth::role::GroupScope;
use crate::auth::{Principal, Role};
use crate::db::entities::{alert, incident, monitor, monitor_state};
use crate::error::Result;
use crate::monitors::view::MonitorStatus;
use crate::monitors::Kind;

/// Monitors by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Counts {
    /// All of them.
    pub total: u64,
    /// Passing.
    pub up: u64,
    /// Failing.
    pub down: u64,
    /// Not checked yet.
    pub pending: u64,
    /// Paused.
    pub paused: u64,
    /// In a maintenance window.
    pub maintenance: u64,
}

impl Counts {
    fn add(&mut self, status: MonitorStatus, n: u64) {
        self.total += n;
        match status {
            MonitorStatus::Up => self.up += n,
            MonitorStatus::Down => self.down += n,
            MonitorStatus::Pending => self.pending += n,
            MonitorStatus::Paused => self.paused += n,
            MonitorStatus::Maintenance => self.maintenance += n,
        }
    }
}

/// The counts of one group of one kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupCounts {
    /// Service, domain or instance.
    pub kind: Kind,
    /// The group (absent: monitors without one).
    pub group: Option<String>,
    /// By status.
    pub counts: Counts,
}

/// Everything the dashboard counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Summary {
    /// Services by status.
    pub services: Counts,
    /// Domains by status.
    pub domains: Counts,
    /// Instances by status.
    pub instances: Counts,
    /// Per kind and group, ordered by kind then group (ungrouped first).
    pub groups: Vec<GroupCounts>,
    /// Incidents not resolved yet.
    pub open_incidents: u64,
    /// Alerts firing now.
    pub firing_alerts: u64,
}

#[derive(Debug, FromQueryResult)]
struct Row {
    kind: String,
    group_name: Option<String>,
    enabled: bool,
    status: Option<String>,
    n: i64,
}

/// What `principal` may see, counted.
pub async fn summary(db: &impl ConnectionTrait, principal: &Principal) -> Result<Summary> {
    let scope = principal.scope(Role::Viewer);
    let mut q = Query::select();
    q.column((monitor::Entity, monitor::Column::Kind))
        .column((monitor::Entity, monitor::Column::GroupName))
        .column((monitor::Entity, monitor::Column::Enabled))
        .column((monitor_state::Entity, monitor_state::Column::Status))
        .expr_as(
            Expr::col((monitor::Entity, monitor::Column::Id)).count(),
            Alias::new("n"),
        )
        .from(monitor::Entity)
        .left_join(
            monitor_state::Entity,
            Expr::col((monitor_state::Entity, monitor_state::Column::MonitorId))
                .equals((monitor::Entity, monitor::Column::Id)),
        )
        .group_by_col((monitor::Entity, monitor::Column::Kind))
        .group_by_col((monitor::Entity, monitor::Column::GroupName))
        .group_by_col((monitor::Entity, monitor::Column::Enabled))
        .group_by_col((monitor_state::Entity, monitor_state::Column::Status));
    if let GroupScope::Groups(groups) = &scope {
        q.and_where(Expr::col((monitor::Entity, monitor::Column::GroupName)).is_in(groups.clone()));
    }
    let rows = Row::find_by_statement(db.get_database_backend().build(&q))
        .all(db)
        .await?;

    let mut summary = Summary {
        services: Counts::default(),
        domains: Counts::default(),
        instances: Counts::default(),
        groups: Vec::new(),
        open_incidents: 0,
        firing_alerts: 0,
    };
    let mut groups: std::collections::BTreeMap<(&'static str, Option<String>), Counts> =
        std::collections::BTreeMap::new();
    for row in rows {
        let Some(kind) = Kind::parse(&row.kind) else {
            continue;
        };
        let status = if row.enabled {
            row.status
                .as_deref()
                .map_or(MonitorStatus::Pending, MonitorStatus::parse)
        } else {
            MonitorStatus::Paused
        };
        let n = u64::try_from(row.n).unwrap_or(0);
        match kind {
            Kind::Service => summary.services.add(status, n),
            Kind::Domain => summary.domains.add(status, n),
            Kind::Instance => summary.instances.add(status, n),
        }
        groups
            .entry((kind.as_str(), row.group_name))
            .or_default()
            .add(status, n);
    }
    summary.groups = groups
        .into_iter()
        .filter_map(|((kind, group), counts)| {
            Kind::parse(kind).map(|kind| GroupCounts {
                kind,
                group,
                counts,
            })
        })
        .collect();

    let mut incidents = incident::Entity::find().filter(incident::Column::ResolvedAt.is_null());
    let mut alerts = alert::Entity::find()
        .filter(alert::Column::Status.eq(status::FIRING))
        .filter(alert::Column::OpenKey.is_not_null());
    if let GroupScope::Groups(groups) = scope {
        incidents = incidents.filter(incident::Column::GroupName.is_in(groups.clone()));
        alerts = alerts.filter(alert::Column::GroupName.is_in(groups));
    }
    summary.open_incidents = incidents.count(db).await?;
    summary.firing_alerts = alerts.count(db).await?;
    Ok(summary)
}
