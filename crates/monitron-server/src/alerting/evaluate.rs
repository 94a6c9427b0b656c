//! Rule evaluation inside the result writer's transaction.
//!
//! For each stored result the writer hands over a [`Fact`] (the monitor's latest result
//! and its status after the batch). Every enabled rule whose selector takes the monitor
//! is judged; the open alerts of the batch's monitors are read in one query, windowed
//! conditions (`down_count`, `latency`) read the batch's recent raw results in one query,
//! and only a change (an alert opening, firing or resolving) writes anything. Metric
//! conditions are judged where snapshots are stored, uptime conditions by the clock.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, Set,
};
use serde_json::Value;
use uuid::Uuid;

use super::notifying::{self, open_key};
use super::rules::{Condition, Stat};
use super::{status, Alerting, Rule};
use crate::db::entities::{alert, monitor_state};
use crate::db::Params;
use crate::history::store::series_value;
use crate::monitors::view::MonitorStatus;
use crate::monitors::{Kind, Runnable};
use crate::notify::Event;

/// A monitor's latest result in a batch, with its status after the batch.
pub struct Fact<'a> {
    /// The monitor.
    pub monitor: &'a Runnable,
    /// Its status after the batch.
    pub status: MonitorStatus,
    /// When the result was taken.
    pub at: DateTime<Utc>,
    /// What the check said.
    pub message: &'a str,
    /// Whether any of the monitor's results in this batch failed.
    pub failed_in_batch: bool,
    /// Type-specific details (certificate and registration dates).
    pub details: &'a Value,
}

/// What an evaluation did.
#[derive(Debug, Default, Clone)]
pub struct Evaluated {
    /// Alerts that fired.
    pub fired: usize,
    /// Alerts that resolved.
    pub resolved: usize,
    /// Notifications queued (wake the queue after commit).
    pub queued: usize,
    /// Live events for the alerts that fired or resolved, to publish after commit.
    pub events: Vec<crate::events::Event>,
}

impl Evaluated {
    /// Publishes the live events once the evaluation is committed.
    pub fn publish(&mut self, engine: &crate::engine::Engine) {
        for event in self.events.drain(..) {
            engine.broadcast(event);
        }
    }
}

/// Whether the writer judges this condition (the others are judged elsewhere).
fn judged_by_writer(condition: &Condition) -> bool {
    !matches!(
        condition,
        Condition::Metric { .. } | Condition::Uptime { .. }
    )
}

fn days_left(fact: &Fact<'_>, condition: &Condition) -> Option<f64> {
    let d = fact.details;
    match condition {
        Condition::CertificateDays { .. } => match fact.monitor.kind {
            Kind::Domain => d["ssl"]["days_left"].as_f64(),
            Kind::Service if fact.monitor.type_name() == "tls" => d["days_left"].as_f64(),
            _ => None,
        },
        Condition::DomainDays { .. } if fact.monitor.kind == Kind::Domain => {
            d["days_left"].as_f64()
        }
        _ => None,
    }
}

/// Whether the rule's condition can be judged for this monitor at all.
fn applies(condition: &Condition, fact: &Fact<'_>) -> bool {
    match condition {
        Condition::CertificateDays { .. } => match fact.monitor.kind {
            Kind::Domain => true,
            Kind::Service => fact.monitor.type_name() == "tls",
            Kind::Instance => false,
        },
        Condition::DomainDays { .. } => fact.monitor.kind == Kind::Domain,
        _ => true,
    }
}

/// What the raw results of one monitor in one window say, summed by the database (a
/// window holds tens of results per monitor; reading them row by row cost more than the
/// rest of the evaluation).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct WindowStats {
    /// Failed checks.
    failures: i64,
    /// Checks with a response time.
    timed: i64,
    avg_ms: Option<f64>,
    max_ms: Option<f64>,
    /// Only where a rule asks for it.
    p95_ms: Option<f64>,
}

/// What to read of one window length: for which series, and whether the sums (failures,
/// average, maximum) or the p95 are asked for.
#[derive(Debug, Default)]
struct Want {
    series: Vec<i64>,
    sums: bool,
    p95: bool,
}

/// The windows to read, by length.
type Wanted = HashMap<u32, Want>;

/// A judgement: does the condition hold, with what value, and how to say it. `None`
/// when it cannot be told from this result (a certificate check that got no certificate).
type Verdict = Option<Finding>;

/// Whether a condition holds, the value measured, and how to say it.
pub type Finding = (bool, Option<f64>, String);

fn judge(rule: &Rule, fact: &Fact<'_>, stats: &HashMap<(i64, u32), WindowStats>) -> Verdict {
    let window = |window_s: u32| {
        stats
            .get(&(fact.monitor.series_id, window_s))
            .copied()
            .unwrap_or_default()
    };
    match &rule.condition {
        Condition::Down => Some((
            fact.status == MonitorStatus::Down,
            None,
            fact.message.to_owned(),
        )),
        Condition::DownCount { failures, window_s } => {
            let failed = window(*window_s).failures;
            Some((
                failed >= i64::from(*failures),
                Some(failed as f64),
                format!("{failed} failed checks in the last {}", human(*window_s)),
            ))
        }
        Condition::Latency {
            stat,
            above_ms,
            window_s,
        } => {
            let w = window(*window_s);
            if w.timed == 0 {
                return None;
            }
            let (name, value) = match stat {
                Stat::Avg => ("average", w.avg_ms?),
                Stat::Max => ("maximum", w.max_ms?),
                Stat::P95 => ("p95", w.p95_ms?),
            };
            let value = (value * 10.0).round() / 10.0;
            Some((
                value > *above_ms,
                Some(value),
                format!(
                    "{name} response time {value} ms over the last {} (threshold {above_ms} ms)",
                    human(*window_s)
                ),
            ))
        }
        Condition::CertificateDays { below } => {
            let days = days_left(fact, &rule.condition)?;
            Some((
                days < f64::from(*below),
                Some(days),
                format!("the TLS certificate expires in {days} days"),
            ))
        }
        Condition::DomainDays { below } => {
            let days = days_left(fact, &rule.condition)?;
            Some((
                days < f64::from(*below),
                Some(days),
                format!("the domain registration expires in {days} days"),
            ))
        }
        Condition::Metric { .. } | Condition::Uptime { .. } => None,
    }
}

/// Judges a metric condition against an agent snapshot: one verdict per subject (the
/// mount, GPU or interface; empty for host-wide metrics).
pub fn judge_metric(
    condition: &Condition,
    snapshot: &monitron_proto::Snapshot,
) -> Vec<(String, Finding)> {
    let Condition::Metric {
        metric,
        op,
        threshold,
        mount,
        device,
    } = condition
    else {
        return Vec::new();
    };
    use super::rules::{Metric, Op};
    let mut values: Vec<(String, f64)> = Vec::new();
    match metric {
        Metric::CpuPct => values.push((String::new(), snapshot.cpu.usage_pct)),
        Metric::MemPct => values.push((String::new(), snapshot.memory.used_pct)),
        Metric::SwapPct if snapshot.memory.swap_total_bytes > 0 => values.push((
            String::new(),
            snapshot.memory.swap_used_bytes as f64 * 100.0
                / snapshot.memory.swap_total_bytes as f64,
        )),
        Metric::SwapPct => {}
        Metric::Load1 => values.push((String::new(), snapshot.cpu.load[0])),
        Metric::DiskPct => values.extend(
            snapshot
                .disks
                .iter()
                .filter(|d| mount.as_deref().is_none_or(|m| d.mount == m))
                .map(|d| (d.mount.clone(), d.used_pct)),
        ),
        Metric::GpuUtilPct | Metric::GpuTempC => values.extend(
            snapshot
                .gpus
                .iter()
                .filter(|g| {
                    device
                        .as_deref()
                        .is_none_or(|d| d == g.index.to_string() || d == g.name)
                })
                .map(|g| {
                    let v = if *metric == Metric::GpuTempC {
                        g.temperature_c
                    } else {
                        g.utilization_pct
                    };
                    (format!("gpu{}", g.index), v)
                }),
        ),
        Metric::NetRxPct | Metric::NetTxPct => values.extend(
            snapshot
                .networks
                .iter()
                .filter(|n| device.as_deref().is_none_or(|d| n.name == d))
                .filter_map(|n| {
                    let v = if *metric == Metric::NetRxPct {
                        n.rx_pct
                    } else {
                        n.tx_pct
                    };
                    Some((n.name.clone(), v?))
                }),
        ),
    }
    let name = serde_json::to_value(metric)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    values
        .into_iter()
        .filter(|(_, v)| v.is_finite())
        .map(|(subject, v)| {
            let v = (v * 10.0).round() / 10.0;
            let (holds, word) = match op {
                Op::Gt => (v > *threshold, "above"),
                Op::Lt => (v < *threshold, "below"),
            };
            let on = if subject.is_empty() {
                String::new()
            } else {
                format!(" on {subject}")
            };
            let message = format!("{name}{on} is {v}, {word} {threshold}");
            (subject, (holds, Some(v), message))
        })
        .collect()
}

/// Judges the metric rules against the newest snapshot of each instance in an ingest batch
/// and applies what changed, in the batch's transaction.
pub async fn evaluate_metrics(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    latest: &[(
        Target<'_>,
        &std::collections::BTreeMap<String, String>,
        &monitron_proto::Snapshot,
    )],
    now: DateTime<Utc>,
) -> Result<Evaluated, DbErr> {
    let all_rules = alerting.rules();
    let rules: Vec<&Rule> = all_rules
        .iter()
        .filter(|r| matches!(r.condition, Condition::Metric { .. }))
        .collect();
    if rules.is_empty() || latest.is_empty() {
        return Ok(Evaluated::default());
    }
    let ids: Vec<Uuid> = latest.iter().map(|(t, _, _)| t.id).collect();
    let mut open = notifying::open_alerts(db, &ids).await?;
    let mut actions = Vec::new();
    for (target, labels, snapshot) in latest {
        for rule in &rules {
            if !rule
                .targets
                .matches(target.id, target.kind, target.group, labels)
            {
                continue;
            }
            for (subject, verdict) in judge_metric(&rule.condition, snapshot) {
                let at = snapshot.timestamp;
                actions.extend(decide(rule, *target, &subject, at, verdict, &mut open, now));
            }
        }
    }
    apply(db, alerting, actions, HashMap::new(), now).await
}

/// `300` -> `5 min`.
pub fn human(seconds: u32) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[derive(Debug, FromQueryResult)]
struct StatsRow {
    series_id: i64,
    failures: i64,
    timed: i64,
    avg_us: Option<f64>,
    max_us: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
struct P95Row {
    series_id: i64,
    us: i64,
    n: i64,
}

/// Sums of each wanted window, computed by the database: failures, and the average,
/// maximum and (where asked) 95th percentile of the response times, maintenance left out.
async fn window_stats(
    db: &impl ConnectionTrait,
    wanted: Wanted,
    now_ms: i64,
) -> Result<HashMap<(i64, u32), WindowStats>, DbErr> {
    let mut stats: HashMap<(i64, u32), WindowStats> = HashMap::new();
    for (window, want) in wanted {
        let mut series = want.series;
        series.sort_unstable();
        series.dedup();
        let since = now_ms - i64::from(window) * 1000;
        for chunk in crate::history::store::shaped_chunks(&series, 256) {
            if want.sums {
                sum_window(db, chunk, window, since, &mut stats).await?;
            }
            if want.p95 {
                p95_window(db, chunk, window, since, &mut stats).await?;
            }
        }
    }
    Ok(stats)
}

/// The series of `chunk` as an `IN (...)` list, bound.
fn series_list(params: &mut Params, backend: DbBackend, chunk: &[i64]) -> String {
    chunk
        .iter()
        .map(|id| params.bind(series_value(backend, *id)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Failures, and the average and maximum response times, of each series since `since`.
async fn sum_window(
    db: &impl ConnectionTrait,
    chunk: &[i64],
    window: u32,
    since: i64,
    stats: &mut HashMap<(i64, u32), WindowStats>,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let mut params = Params::new(backend, chunk.len() + 1);
    let ids = series_list(&mut params, backend, chunk);
    let sql = format!(
        "SELECT CAST(series_id AS BIGINT) AS series_id, \
         CAST(SUM(CASE WHEN up THEN 0 ELSE 1 END) AS BIGINT) AS failures, \
         CAST(COUNT(response_us) AS BIGINT) AS timed, \
         CAST(AVG(response_us) AS DOUBLE PRECISION) AS avg_us, \
         CAST(MAX(response_us) AS BIGINT) AS max_us \
         FROM check_results WHERE series_id IN ({ids}) AND ts >= {} AND NOT maintenance \
         GROUP BY series_id",
        params.bind(since)
    );
    for row in StatsRow::find_by_statement(params.statement(sql))
        .all(db)
        .await?
    {
        let s = stats.entry((row.series_id, window)).or_default();
        s.failures = row.failures;
        s.timed = row.timed;
        s.avg_ms = row.avg_us.map(|us| us / 1000.0);
        s.max_ms = row.max_us.map(|us| us as f64 / 1000.0);
    }
    Ok(())
}

/// The 95th percentile of each series' response times since `since`: the value at rank
/// ceil(0.95 n) of the sorted times.
async fn p95_window(
    db: &impl ConnectionTrait,
    chunk: &[i64],
    window: u32,
    since: i64,
    stats: &mut HashMap<(i64, u32), WindowStats>,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let mut params = Params::new(backend, chunk.len() + 1);
    let ids = series_list(&mut params, backend, chunk);
    let sql = format!(
        "SELECT CAST(series_id AS BIGINT) AS series_id, CAST(response_us AS BIGINT) AS us, \
         CAST(n AS BIGINT) AS n FROM (SELECT series_id, response_us, \
           ROW_NUMBER() OVER (PARTITION BY series_id ORDER BY response_us) AS rn, \
           COUNT(*) OVER (PARTITION BY series_id) AS n \
           FROM check_results WHERE series_id IN ({ids}) AND ts >= {} \
           AND response_us IS NOT NULL AND NOT maintenance) ranked \
         WHERE rn = (n * 95 + 99) / 100",
        params.bind(since)
    );
    for row in P95Row::find_by_statement(params.statement(sql))
        .all(db)
        .await?
    {
        let s = stats.entry((row.series_id, window)).or_default();
        s.timed = row.n;
        s.p95_ms = Some(row.us as f64 / 1000.0);
    }
    Ok(())
}

/// The last time an earlier episode of this alert notified anyone.
async fn last_notified(
    db: &impl ConnectionTrait,
    a: &alert::Model,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let last: Option<Option<DateTime<Utc>>> = alert::Entity::find()
        .select_only()
        .expr(Func::max(Expr::col(alert::Column::LastNotifiedAt)))
        .filter(alert::Column::RuleId.eq(a.rule_id))
        .filter(alert::Column::TargetId.eq(a.target_id))
        .filter(alert::Column::Subject.eq(a.subject.as_str()))
        .filter(alert::Column::Id.ne(a.id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten())
}

/// Fires an alert now: notifies its channels, unless its cooldown since the last
/// episode's notification holds it back, in which case the clock notifies it when the
/// cooldown ends (if it still fires then). Returns the notifications queued.
pub async fn fire(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    rule: &Rule,
    a: alert::Model,
    monitor: Option<&Value>,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut held_until = None;
    if rule.cooldown_s > 0 {
        if let Some(last) = last_notified(db, &a).await? {
            let until = last + chrono::Duration::seconds(i64::from(rule.cooldown_s));
            if until > now {
                held_until = Some(until);
            }
        }
    }
    let mut active: alert::ActiveModel = a.into();
    active.status = Set(status::FIRING.to_owned());
    active.fired_at = Set(Some(now));
    active.updated_at = Set(now);
    if let Some(until) = held_until {
        active.reminder_at = Set(Some(until.timestamp_millis()));
        active.update(db).await?;
        return Ok(0);
    }
    active.last_notified_at = Set(Some(now));
    active.reminder_at = Set((rule.repeat_interval_s > 0)
        .then(|| now.timestamp_millis() + i64::from(rule.repeat_interval_s) * 1000));
    let a = active.update(db).await?;
    let context = notifying::context(alerting, Event::Firing, &a, Some(rule), monitor);
    let queued = notifying::notify(
        db,
        alerting,
        &rule.channels,
        &a,
        Event::Firing,
        &context,
        now,
    )
    .await?;
    Ok(queued + escalate(db, alerting, rule, a, &context, now).await?)
}

/// Starts a rule's escalation policy on an alert that was just notified: copies the
/// policy into the alert and sends its first step.
pub async fn escalate(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    rule: &Rule,
    a: alert::Model,
    context: &Value,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let Some(policy_id) = rule.escalation_policy_id else {
        return Ok(0);
    };
    let Some(policy) = crate::db::entities::escalation_policy::Entity::find_by_id(policy_id)
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let mut running = super::escalation::Running {
        policy_id,
        name: policy.name.clone(),
        steps: serde_json::from_value(policy.steps.clone()).unwrap_or_default(),
        repeat: u32::try_from(policy.repeat).unwrap_or(0),
        round: 0,
        next: 0,
    };
    let fired_at = a.fired_at.unwrap_or(now);
    let mut queued = 0;
    if let Some(first) = running.advance() {
        queued += notifying::step(db, alerting, &a, &first, context, now).await?;
    }
    let next = running.next_at(fired_at).map(|t| t.timestamp_millis());
    let mut active: alert::ActiveModel = a.into();
    active.escalation = Set(Some(
        serde_json::to_value(&running).expect("a policy serializes"),
    ));
    active.escalate_at = Set(next);
    active.update(db).await?;
    Ok(queued)
}

/// Resolves an open alert; tells its channels when it had told them it fired.
pub async fn resolve(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    rule: Option<&Rule>,
    a: alert::Model,
    monitor: Option<&Value>,
    at: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let told = a.status == status::FIRING && a.last_notified_at.is_some();
    let mut active: alert::ActiveModel = a.into();
    active.status = Set(status::RESOLVED.to_owned());
    active.open_key = Set(None);
    active.resolved_at = Set(Some(at));
    active.reminder_at = Set(None);
    active.escalate_at = Set(None);
    active.updated_at = Set(Utc::now());
    let a = active.update(db).await?;
    match rule {
        Some(rule) if told && rule.send_resolved => {
            let context = notifying::context(alerting, Event::Resolved, &a, Some(rule), monitor);
            notifying::notify(
                db,
                alerting,
                &rule.channels,
                &a,
                Event::Resolved,
                &context,
                at,
            )
            .await
        }
        _ => Ok(0),
    }
}

/// The monitor an alert is about, as the writer (or the ingest) knows it.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    /// Id.
    pub id: Uuid,
    /// Service, domain or instance.
    pub kind: crate::monitors::Kind,
    /// Name.
    pub name: &'a str,
    /// Group.
    pub group: Option<&'a str>,
    /// The monitors it depends on.
    pub depends_on: &'a [Uuid],
}

impl<'a> Target<'a> {
    /// A runnable monitor as a target.
    pub fn of(m: &'a Runnable) -> Self {
        Self {
            id: m.id,
            kind: m.kind,
            name: &m.name,
            group: m.group.as_deref(),
            depends_on: &m.depends_on,
        }
    }
}

/// What a judgement of one rule about one target (and subject) calls for.
pub enum Action<'a> {
    /// The condition started to hold.
    Open {
        /// The rule.
        rule: &'a Rule,
        /// About what.
        target: Target<'a>,
        /// The mount or device.
        subject: String,
        /// When it was seen.
        at: DateTime<Utc>,
        /// The measured value.
        value: Option<f64>,
        /// What is wrong.
        message: String,
    },
    /// A pending alert's wait is over.
    Fire {
        /// The rule.
        rule: &'a Rule,
        /// The alert.
        alert: alert::Model,
    },
    /// The condition no longer holds.
    Resolve {
        /// The rule.
        rule: &'a Rule,
        /// The alert.
        alert: alert::Model,
        /// When that was seen.
        at: DateTime<Utc>,
    },
}

/// The action a judgement calls for, given the episode open for it (taken from `open`).
pub fn decide<'a>(
    rule: &'a Rule,
    target: Target<'a>,
    subject: &str,
    at: DateTime<Utc>,
    verdict: Finding,
    open: &mut HashMap<String, alert::Model>,
    now: DateTime<Utc>,
) -> Option<Action<'a>> {
    let (holds, value, message) = verdict;
    match (holds, open.remove(&open_key(rule.id, target.id, subject))) {
        (true, None) => Some(Action::Open {
            rule,
            target,
            subject: subject.to_owned(),
            at,
            value,
            message,
        }),
        (true, Some(a))
            if a.status == status::PENDING
                && !a.awaiting_parents
                && (now - a.started_at).num_seconds() >= i64::from(rule.for_s) =>
        {
            Some(Action::Fire { rule, alert: a })
        }
        (false, Some(a)) => Some(Action::Resolve { rule, alert: a, at }),
        _ => None,
    }
}

/// Judges every enabled rule for the batch's monitors and applies what changed.
pub async fn evaluate(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    facts: &[Fact<'_>],
    now: DateTime<Utc>,
) -> Result<Evaluated, DbErr> {
    evaluate_rules(db, alerting, facts, now, None).await
}

/// Judges one rule against every monitor's current state: a rule whose condition already
/// holds when it is created (or changed) fires at once.
pub async fn evaluate_now(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    monitors: &[std::sync::Arc<Runnable>],
    rule: Uuid,
) -> Result<Evaluated, DbErr> {
    let mut states = HashMap::new();
    let ids: Vec<Uuid> = monitors.iter().map(|m| m.id).collect();
    for chunk in ids.chunks(256) {
        for row in monitor_state::Entity::find()
            .filter(monitor_state::Column::MonitorId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            states.insert(row.monitor_id, row);
        }
    }
    let none = Value::Null;
    let facts: Vec<Fact<'_>> = monitors
        .iter()
        .filter_map(|m| {
            let st = states.get(&m.id)?;
            Some(Fact {
                monitor: m,
                status: MonitorStatus::parse(&st.status),
                at: st.last_checked_at?,
                message: st.message.as_deref().unwrap_or(""),
                failed_in_batch: false,
                details: st.details.as_ref().unwrap_or(&none),
            })
        })
        .collect();
    evaluate_rules(db, alerting, &facts, Utc::now(), Some(rule)).await
}

async fn evaluate_rules(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    facts: &[Fact<'_>],
    now: DateTime<Utc>,
    only: Option<Uuid>,
) -> Result<Evaluated, DbErr> {
    let all_rules = alerting.rules();
    let rules: Vec<&Rule> = all_rules
        .iter()
        .filter(|r| judged_by_writer(&r.condition) && only.is_none_or(|id| r.id == id))
        .collect();
    let done = Evaluated::default();
    if rules.is_empty() || facts.is_empty() {
        return Ok(done);
    }
    let mut pairs: Vec<(&Rule, usize)> = Vec::new();
    for (i, fact) in facts.iter().enumerate() {
        let m = fact.monitor;
        for rule in &rules {
            if applies(&rule.condition, fact)
                && rule
                    .targets
                    .matches(m.id, m.kind, m.group.as_deref(), &m.labels)
            {
                pairs.push((rule, i));
            }
        }
    }
    if pairs.is_empty() {
        return Ok(done);
    }
    let targets: Vec<Uuid> = {
        let mut ids: Vec<Uuid> = facts.iter().map(|f| f.monitor.id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let mut open = notifying::open_alerts(db, &targets).await?;

    // Windowed conditions read recent results, only where they can change something: a
    // failure count rises only with a failure, and falls only for an open alert.
    let now_ms = now.timestamp_millis();
    // A latency window moves little with each new result: it is judged again once a
    // tenth of it has passed (at least 10 s), as a rule engine evaluates on an interval;
    // a rule being created is judged at once.
    if only.is_none() {
        pairs.retain(|(rule, i)| match rule.condition {
            Condition::Latency { window_s, .. } => alerting.due_for_judging(
                rule.id,
                facts[*i].monitor.series_id,
                now_ms,
                i64::from((window_s / 10).max(10)) * 1000,
            ),
            _ => true,
        });
    }
    let mut wanted: Wanted = HashMap::new();
    for (rule, i) in &pairs {
        let fact = &facts[*i];
        let (window, p95) = match rule.condition {
            Condition::DownCount { window_s, .. } => {
                let is_open = open.contains_key(&open_key(rule.id, fact.monitor.id, ""));
                ((fact.failed_in_batch || is_open).then_some(window_s), false)
            }
            Condition::Latency { window_s, stat, .. } => (Some(window_s), stat == Stat::P95),
            _ => (None, false),
        };
        if let Some(window) = window {
            let want = wanted.entry(window).or_default();
            want.series.push(fact.monitor.series_id);
            want.p95 |= p95;
            want.sums |= !p95;
        }
    }
    let stats = if wanted.is_empty() {
        HashMap::new()
    } else {
        window_stats(db, wanted, now_ms).await?
    };

    let mut actions = Vec::new();
    for (rule, i) in pairs {
        let fact = &facts[i];
        let Some(verdict) = judge(rule, fact, &stats) else {
            continue;
        };
        actions.extend(decide(
            rule,
            Target::of(fact.monitor),
            "",
            fact.at,
            verdict,
            &mut open,
            now,
        ));
    }
    let known = facts.iter().map(|f| (f.monitor.id, f.status)).collect();
    apply(db, alerting, actions, known, now).await
}

/// Carries out what judgements called for: opens, fires and resolves alerts, with their
/// notifications. `known` holds monitor statuses already at hand (the batch's).
pub async fn apply(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    actions: Vec<Action<'_>>,
    known: HashMap<Uuid, MonitorStatus>,
    now: DateTime<Utc>,
) -> Result<Evaluated, DbErr> {
    let mut done = Evaluated::default();
    if actions.is_empty() {
        return Ok(done);
    }
    // A down alert of a monitor with dependencies: suppressed while a parent is down,
    // otherwise held until the clock has checked the parents afresh.
    let mut parent_status = known;
    let wanted: Vec<Uuid> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Open { rule, target, .. } if rule.condition == Condition::Down => {
                Some(target.depends_on.to_vec())
            }
            _ => None,
        })
        .flatten()
        .filter(|id| !parent_status.contains_key(id))
        .collect();
    parent_status.extend(notifying::statuses(db, &wanted).await?);
    let monitors = notifying::monitors(
        db,
        actions.iter().map(|a| match a {
            Action::Open { target, .. } => target.id,
            Action::Fire { alert, .. } | Action::Resolve { alert, .. } => alert.target_id,
        }),
        alerting.public_url(),
    )
    .await?;
    for action in actions {
        match action {
            Action::Open {
                rule,
                target: m,
                subject,
                at,
                value,
                message,
            } => {
                let dependent = rule.condition == Condition::Down && !m.depends_on.is_empty();
                let down_parent = m
                    .depends_on
                    .iter()
                    .find(|p| parent_status.get(p) == Some(&MonitorStatus::Down))
                    .copied();
                let initial = match (dependent, down_parent) {
                    (true, Some(_)) => status::SUPPRESSED,
                    _ => status::PENDING,
                };
                let a = alert::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    rule_id: Set(rule.id),
                    rule_name: Set(rule.name.clone()),
                    target_type: Set(m.kind.as_str().to_owned()),
                    target_id: Set(m.id),
                    target_name: Set(m.name.to_owned()),
                    group_name: Set(m.group.map(str::to_owned)),
                    open_key: Set(Some(open_key(rule.id, m.id, &subject))),
                    subject: Set(subject),
                    status: Set(initial.to_owned()),
                    severity: Set(rule.severity.as_str().to_owned()),
                    value: Set(value),
                    message: Set(crate::history::truncate(&message, 1000)),
                    started_at: Set(at),
                    fired_at: Set(None),
                    resolved_at: Set(None),
                    acknowledged_by: Set(None),
                    acknowledged_at: Set(None),
                    suppressed_by: Set(down_parent.filter(|_| dependent)),
                    awaiting_parents: Set(dependent && down_parent.is_none()),
                    last_notified_at: Set(None),
                    reminder_at: Set(None),
                    escalation: Set(None),
                    escalate_at: Set(None),
                    updated_at: Set(now),
                }
                .insert(db)
                .await?;
                if rule.for_s == 0 && !dependent {
                    let event = crate::events::alert_event(&a, "firing", now);
                    done.queued += fire(db, alerting, rule, a, monitors.get(&m.id), now).await?;
                    done.fired += 1;
                    done.events.push(event);
                }
            }
            Action::Fire { rule, alert } => {
                let target = alert.target_id;
                let event = crate::events::alert_event(&alert, "firing", now);
                done.queued += fire(db, alerting, rule, alert, monitors.get(&target), now).await?;
                done.fired += 1;
                done.events.push(event);
            }
            Action::Resolve { rule, alert, at } => {
                let target = alert.target_id;
                let event = crate::events::alert_event(&alert, "resolved", at);
                done.queued +=
                    resolve(db, alerting, Some(rule), alert, monitors.get(&target), at).await?;
                done.resolved += 1;
                done.events.push(event);
            }
        }
    }
    Ok(done)
}

/// Closes every open alert of a rule that was changed, disabled or deleted, without
/// telling anyone (the condition may still hold; a changed rule judges afresh).
pub async fn close_rule(
    db: &impl ConnectionTrait,
    rule: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let closed = alert::Entity::update_many()
        .col_expr(alert::Column::Status, Expr::value(status::RESOLVED))
        .col_expr(alert::Column::OpenKey, Expr::value(Option::<String>::None))
        .col_expr(alert::Column::ResolvedAt, Expr::value(Some(now)))
        .col_expr(alert::Column::ReminderAt, Expr::value(Option::<i64>::None))
        .col_expr(alert::Column::EscalateAt, Expr::value(Option::<i64>::None))
        .col_expr(alert::Column::UpdatedAt, Expr::value(now))
        .filter(alert::Column::RuleId.eq(rule))
        .filter(alert::Column::OpenKey.is_not_null())
        .exec(db)
        .await?;
    Ok(closed.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_as_people_say_them() {
        assert_eq!(human(300), "5 min");
        assert_eq!(human(7200), "2 h");
        assert_eq!(human(86_400), "1 d");
        assert_eq!(human(45), "45 s");
    }
}
