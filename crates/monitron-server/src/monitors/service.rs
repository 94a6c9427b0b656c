//! The service layer of monitors: finding one with grants applied, listing with filters,
//! and the one write path that creates, changes, pauses and deletes services, domains
//! and instances alike. API handlers map a request to [`Fields`] and a [`Check`] and call
//! in here; what only one kind has (an instance's agent record) comes in as a hook run
//! inside the same transaction.

use std::collections::HashMap;
use std::future::Future;

use chrono::Utc;
use monitron_probe::Outcome;
use sea_orm::sea_query::{Expr, Func, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::audit::{self, Entry, Origin};
use crate::auth::role::GroupScope;
use crate::auth::{tokens, Principal, Role};
use crate::cipher::Cipher;
use crate::db::entities::{incident, monitor, monitor_state, series};
use crate::db::list::{like_pattern, parse_sort, Paging, Sort};
use crate::error::{Error, FieldErrors, Result};
use crate::history::{self, Retention};
use crate::monitors::view::MonitorStatus;
use crate::monitors::{dependencies, parse_label_filter, Check, Fields, Group, Kind, Timing};

/// What the service layer needs from whatever runs monitors (the engine).
pub trait Runner: Sync {
    /// A monitor was created, changed or deleted through this process.
    fn monitor_changed(&self, id: Uuid) -> impl Future<Output = ()> + Send;

    /// Runs a monitor's check now, stores the result and returns it (`None`: nothing to
    /// report yet, a heartbeat without pings).
    fn run_now(&self, row: &monitor::Model)
        -> impl Future<Output = Result<Option<Outcome>>> + Send;
}

/// The monitors of one server: its database, the key that seals secrets, and the engine.
pub struct Monitors<'a, R> {
    /// Database pool.
    pub db: &'a DatabaseConnection,
    /// Seals and opens secrets in settings.
    pub cipher: &'a Cipher,
    /// Runs the monitors.
    pub runner: &'a R,
    /// History retention (which tier answers a chart).
    pub retention: &'a Retention,
}

/// A monitor as stored after a write, with its state and what a hook returned.
pub struct Saved<T> {
    /// The monitor.
    pub row: monitor::Model,
    /// Its state.
    pub state: Option<monitor_state::Model>,
    /// What the kind's hook returned.
    pub extra: T,
}

/// Filters and paging of a list of monitors, as given.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only monitors in this group.
    pub group: Option<String>,
    /// Only monitors with this label, as `key:value`.
    pub label: Option<String>,
    /// Only monitors with this status.
    pub status: Option<MonitorStatus>,
    /// Only monitors of this check type.
    pub check_type: Option<String>,
    /// Search in names.
    pub q: Option<String>,
    /// `name`, `type`, `interval_s`, `created_at`, `updated_at`; `-` for descending.
    pub sort: Option<String>,
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Items per page, 1-500.
    pub per_page: Option<u64>,
}

/// One page of monitors with their states.
pub struct Listed {
    /// Rows with their states.
    pub rows: Vec<(monitor::Model, Option<monitor_state::Model>)>,
    /// Matching monitors.
    pub total: u64,
    /// The page.
    pub paging: Paging,
}

/// The state row of one monitor.
pub async fn state_of(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<monitor_state::Model>> {
    Ok(monitor_state::Entity::find_by_id(id).one(db).await?)
}

/// Fails with `Forbidden` unless the caller may edit monitors in at least one group.
fn require_editor(principal: &Principal) -> Result<()> {
    let somewhere = match principal.scope(Role::Editor) {
        GroupScope::All => principal.access.role >= Role::Editor,
        GroupScope::Groups(groups) => !groups.is_empty(),
    };
    if somewhere {
        Ok(())
    } else {
        Err(Error::Forbidden("requires the editor role".into()))
    }
}

/// Checks `group` for a monitor being created or moved: the caller needs the editor role
/// there.
fn require_group(principal: &Principal, group: Option<&Group>, kind: Kind) -> Result<()> {
    match principal.access.role_in(group.map(Group::as_str)) {
        Some(role) if role >= Role::Editor => Ok(()),
        Some(_) => Err(Error::Forbidden(
            "requires the editor role in this group".into(),
        )),
        None => Err(Error::field(
            "group",
            format!("you may not put a {} in this group", kind.noun()),
        )),
    }
}

/// What the audit log records about a monitor.
fn audit_details(row: &monitor::Model, check: Option<&Check>) -> serde_json::Value {
    let mut details = serde_json::json!({ "name": row.name, "type": row.check_type });
    if let Some(Check::Agent(settings)) = check {
        details["connection"] = serde_json::json!(settings.connection);
    }
    details
}

impl<R: Runner> Monitors<'_, R> {
    /// A monitor the caller may act on with at least `needed`: `NotFound` when it does not
    /// exist or is outside the caller's groups, `Forbidden` when visible but not allowed.
    pub async fn find(
        &self,
        principal: &Principal,
        kind: Kind,
        id: Uuid,
        needed: Role,
    ) -> Result<monitor::Model> {
        let row = monitor::Entity::find_by_id(id)
            .filter(monitor::Column::Kind.eq(kind.as_str()))
            .one(self.db)
            .await?
            .ok_or(Error::NotFound(kind.noun()))?;
        principal.require_in(row.group_name.as_deref(), needed, kind.noun())?;
        Ok(row)
    }

    /// Lists monitors of one kind visible to the caller.
    pub async fn list(&self, principal: &Principal, kind: Kind, q: &Filter) -> Result<Listed> {
        let paging = Paging::from_params(q.page, q.per_page)?;
        let sort = parse_sort(
            q.sort.as_deref(),
            &[
                ("name", monitor::Column::Name),
                ("group", monitor::Column::GroupName),
                ("type", monitor::Column::CheckType),
                ("interval_s", monitor::Column::IntervalS),
                ("created_at", monitor::Column::CreatedAt),
                ("updated_at", monitor::Column::UpdatedAt),
            ],
            Sort {
                field: monitor::Column::Name,
                descending: false,
            },
        )?;
        let mut query = monitor::Entity::find().filter(monitor::Column::Kind.eq(kind.as_str()));
        if let GroupScope::Groups(groups) = principal.scope(Role::Viewer) {
            query = query.filter(monitor::Column::GroupName.is_in(groups));
        }
        if let Some(group) = q.group.as_deref() {
            query = query.filter(monitor::Column::GroupName.eq(group));
        }
        if let Some(t) = q.check_type.as_deref() {
            query = query.filter(monitor::Column::CheckType.eq(t));
        }
        if let Some(raw) = q.label.as_deref() {
            let (key, value) = parse_label_filter(raw).map_err(|e| Error::field("label", e))?;
            query = query.filter(label_equals(self.db.get_database_backend(), key, value));
        }
        if let Some(status) = q.status {
            query = match status {
                MonitorStatus::Paused => query.filter(monitor::Column::Enabled.eq(false)),
                other => query.filter(monitor::Column::Enabled.eq(true)).filter(
                    monitor::Column::Id.in_subquery(
                        Query::select()
                            .column(monitor_state::Column::MonitorId)
                            .from(monitor_state::Entity)
                            .and_where(monitor_state::Column::Status.eq(other.as_str()))
                            .to_owned(),
                    ),
                ),
            };
        }
        if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            if text.chars().count() > 200 {
                return Err(Error::field("q", "must be at most 200 characters"));
            }
            let pattern = like_pattern(&text.to_lowercase());
            query = query.filter(
                Condition::all().add(
                    Expr::expr(Func::lower(Expr::col(monitor::Column::Name)))
                        .like(LikeExpr::new(pattern).escape('\\')),
                ),
            );
        }
        let total = query.clone().count(self.db).await?;
        let order = if sort.descending {
            sea_orm::Order::Desc
        } else {
            sea_orm::Order::Asc
        };
        let rows = query
            .order_by(sort.field, order.clone())
            .order_by(monitor::Column::Id, order)
            .offset(paging.offset())
            .limit(paging.per_page)
            .all(self.db)
            .await?;
        let mut states: HashMap<Uuid, monitor_state::Model> = monitor_state::Entity::find()
            .filter(monitor_state::Column::MonitorId.is_in(rows.iter().map(|r| r.id)))
            .all(self.db)
            .await?
            .into_iter()
            .map(|s| (s.monitor_id, s))
            .collect();
        let rows = rows
            .into_iter()
            .map(|r| {
                let s = states.remove(&r.id);
                (r, s)
            })
            .collect();
        Ok(Listed {
            rows,
            total,
            paging,
        })
    }

    /// Creates a monitor of `kind` with `check`, its series key and its initial (pending)
    /// state, then runs `attach` in the same transaction for what only this kind has.
    pub async fn create<T>(
        &self,
        principal: &Principal,
        origin: &Origin,
        kind: Kind,
        fields: Fields,
        check: std::result::Result<Check, FieldErrors>,
        attach: impl AsyncFnOnce(&DatabaseTransaction, &monitor::Model) -> Result<T>,
    ) -> Result<Saved<T>> {
        require_editor(principal)?;
        let mut errors = FieldErrors::new();
        if fields.name.is_none() {
            errors.insert("name".into(), "is required".into());
        }
        let valid = fields
            .validate(kind, kind.default_timing())
            .map_err(|e| errors.extend(e))
            .ok();
        let check = check.map_err(|e| errors.extend(e)).ok();
        let (Some(valid), Some(mut check), true) = (valid, check, errors.is_empty()) else {
            return Err(Error::Validation(errors));
        };
        let group = valid.group.flatten();
        require_group(principal, group.as_ref(), kind)?;
        check.seal(self.cipher, None).map_err(Error::Validation)?;
        let ping_token = (check.type_name() == crate::monitors::check::HEARTBEAT)
            .then(|| tokens::random_token(""));
        let now = Utc::now();
        let txn = crate::db::begin_write(self.db).await?;
        let series = series::ActiveModel {
            kind: Set("monitor".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let row = monitor::ActiveModel {
            id: Set(Uuid::now_v7()),
            series_id: Set(series.id),
            kind: Set(kind.as_str().into()),
            name: Set(valid.name.map(|n| n.into_inner()).unwrap_or_default()),
            description: Set(valid.description.flatten()),
            check_type: Set(check.type_name().into()),
            config: Set(check.config_json()),
            labels: Set(valid.labels.unwrap_or_default().to_json()),
            group_name: Set(group.map(Group::into_inner)),
            enabled: Set(valid.enabled.unwrap_or(true)),
            interval_s: Set(timing_i32(valid.timing.interval_s)),
            timeout_s: Set(timing_i32(valid.timing.timeout_s)),
            failure_threshold: Set(timing_i32(valid.timing.failure_threshold)),
            success_threshold: Set(timing_i32(valid.timing.success_threshold)),
            ping_token: Set(ping_token),
            depends_on: Set(serde_json::json!([])),
            created_by: Set(Some(principal.user.id)),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let row = match &valid.depends_on {
            Some(parents) if !parents.is_empty() => {
                dependencies::check(&txn, row.id, parents).await?;
                let mut active: monitor::ActiveModel = row.into();
                active.depends_on = Set(serde_json::to_value(parents).expect("ids serialize"));
                active.update(&txn).await?
            }
            _ => row,
        };
        let state = monitor_state::ActiveModel {
            monitor_id: Set(row.id),
            status: Set(MonitorStatus::Pending.as_str().into()),
            status_since: Set(Some(now)),
            last_checked_at: Set(None),
            last_response_ms: Set(None),
            message: Set(None),
            consecutive_failures: Set(0),
            consecutive_successes: Set(0),
            details: Set(None),
            last_start_at: Set(None),
            last_success_at: Set(None),
            last_failure_at: Set(None),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let extra = attach(&txn, &row).await?;
        let action = format!("{}.create", kind.as_str());
        audit::record(
            &txn,
            Some(origin),
            Entry::new(principal, &action)
                .target(kind.as_str(), row.id)
                .details(audit_details(&row, Some(&check))),
        )
        .await?;
        txn.commit().await?;
        self.runner.monitor_changed(row.id).await;
        Ok(Saved {
            row,
            state: Some(state),
            extra,
        })
    }

    /// Changes `row` (found with [`Monitors::find`]): the given fields, and the check when
    /// `check` holds a new one (secrets sent back as the mask keep their stored value
    /// while the destination is unchanged). `attach` runs in the same transaction.
    pub async fn update<T>(
        &self,
        principal: &Principal,
        origin: &Origin,
        row: monitor::Model,
        fields: Fields,
        check: std::result::Result<Option<Check>, FieldErrors>,
        attach: impl AsyncFnOnce(&DatabaseTransaction, &monitor::Model) -> Result<T>,
    ) -> Result<Saved<T>> {
        let kind = Kind::parse(&row.kind).unwrap_or(Kind::Service);
        let mut errors = FieldErrors::new();
        let valid = fields
            .validate(kind, Timing::of(&row))
            .map_err(|e| errors.extend(e))
            .ok();
        let check = check.map_err(|e| errors.extend(e)).ok().flatten();
        let (Some(valid), true) = (valid, errors.is_empty()) else {
            return Err(Error::Validation(errors));
        };
        if let Some(group) = &valid.group {
            require_group(principal, group.as_ref(), kind)?;
        }
        let mut active: monitor::ActiveModel = row.clone().into();
        if let Some(mut check) = check.clone() {
            let stored = Check::from_stored(&row.check_type, &row.config)?;
            check
                .seal(self.cipher, Some(&stored))
                .map_err(Error::Validation)?;
            let heartbeat = check.type_name() == crate::monitors::check::HEARTBEAT;
            if heartbeat && row.ping_token.is_none() {
                active.ping_token = Set(Some(tokens::random_token("")));
            } else if !heartbeat {
                active.ping_token = Set(None);
            }
            active.check_type = Set(check.type_name().into());
            active.config = Set(check.config_json());
        }
        if let Some(name) = valid.name {
            active.name = Set(name.into_inner());
        }
        if let Some(description) = valid.description {
            active.description = Set(description);
        }
        if let Some(group) = valid.group {
            active.group_name = Set(group.map(Group::into_inner));
        }
        if let Some(labels) = valid.labels {
            active.labels = Set(labels.to_json());
        }
        if let Some(enabled) = valid.enabled {
            active.enabled = Set(enabled);
        }
        active.interval_s = Set(timing_i32(valid.timing.interval_s));
        active.timeout_s = Set(timing_i32(valid.timing.timeout_s));
        active.failure_threshold = Set(timing_i32(valid.timing.failure_threshold));
        active.success_threshold = Set(timing_i32(valid.timing.success_threshold));
        active.updated_at = Set(Utc::now());
        let txn = crate::db::begin_write(self.db).await?;
        if let Some(parents) = &valid.depends_on {
            dependencies::check(&txn, row.id, parents).await?;
            active.depends_on = Set(serde_json::to_value(parents).expect("ids serialize"));
        }
        let updated = active.update(&txn).await?;
        let extra = attach(&txn, &updated).await?;
        let action = format!("{}.update", kind.as_str());
        audit::record(
            &txn,
            Some(origin),
            Entry::new(principal, &action)
                .target(kind.as_str(), updated.id)
                .details(audit_details(&updated, check.as_ref())),
        )
        .await?;
        let state = state_of(&txn, updated.id).await?;
        txn.commit().await?;
        self.runner.monitor_changed(updated.id).await;
        Ok(Saved {
            row: updated,
            state,
            extra,
        })
    }

    /// Deletes a monitor with its state, history and incidents; `detach` removes what
    /// only its kind has, in the same transaction.
    pub async fn delete(
        &self,
        principal: &Principal,
        origin: &Origin,
        kind: Kind,
        id: Uuid,
        detach: impl AsyncFnOnce(&DatabaseTransaction, &monitor::Model) -> Result<()>,
    ) -> Result<()> {
        let row = self.find(principal, kind, id, Role::Editor).await?;
        let txn = crate::db::begin_write(self.db).await?;
        detach(&txn, &row).await?;
        monitor_state::Entity::delete_by_id(row.id)
            .exec(&txn)
            .await?;
        incident::Entity::delete_many()
            .filter(incident::Column::MonitorId.eq(row.id))
            .exec(&txn)
            .await?;
        history::retention::forget_series(&txn, row.series_id).await?;
        monitor::Entity::delete_by_id(row.id).exec(&txn).await?;
        series::Entity::delete_by_id(row.series_id)
            .exec(&txn)
            .await?;
        let action = format!("{}.delete", kind.as_str());
        audit::record(
            &txn,
            Some(origin),
            Entry::new(principal, &action)
                .target(kind.as_str(), id)
                .details(audit_details(&row, None)),
        )
        .await?;
        txn.commit().await?;
        self.runner.monitor_changed(id).await;
        Ok(())
    }

    /// Pauses or resumes a monitor; returns it with its state.
    pub async fn set_enabled(
        &self,
        principal: &Principal,
        origin: &Origin,
        kind: Kind,
        id: Uuid,
        enabled: bool,
    ) -> Result<(monitor::Model, Option<monitor_state::Model>)> {
        let row = self.find(principal, kind, id, Role::Editor).await?;
        if row.enabled == enabled {
            let state = state_of(self.db, id).await?;
            return Ok((row, state));
        }
        let txn = crate::db::begin_write(self.db).await?;
        let mut active: monitor::ActiveModel = row.into();
        active.enabled = Set(enabled);
        active.updated_at = Set(Utc::now());
        let row = active.update(&txn).await?;
        let action = format!(
            "{}.{}",
            kind.as_str(),
            if enabled { "resume" } else { "pause" }
        );
        audit::record(
            &txn,
            Some(origin),
            Entry::new(principal, &action).target(kind.as_str(), row.id),
        )
        .await?;
        let state = state_of(&txn, id).await?;
        txn.commit().await?;
        self.runner.monitor_changed(row.id).await;
        Ok((row, state))
    }

    /// Runs a monitor's check now and stores the result. A heartbeat that has not been
    /// pinged has nothing to check yet: a conflict.
    pub async fn check_now(&self, principal: &Principal, kind: Kind, id: Uuid) -> Result<Outcome> {
        let row = self.find(principal, kind, id, Role::Editor).await?;
        self.runner.run_now(&row).await?.ok_or_else(|| {
            Error::conflict(
                "_",
                "nothing to check yet: a heartbeat is evaluated once it has been pinged",
            )
        })
    }
}

/// A monitor's `labels ->> key = value`, in each database's JSON syntax.
fn label_equals(backend: DbBackend, key: String, value: String) -> sea_orm::sea_query::SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust_with_values("labels ->> $1 = $2", [key, value]),
        _ => Expr::cust_with_values(
            "json_extract(labels, ?) = ?",
            [format!("$.\"{}\"", key.replace('"', "")), value],
        ),
    }
}

fn timing_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
