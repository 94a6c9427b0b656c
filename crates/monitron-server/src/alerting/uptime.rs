//! `uptime` conditions move slowly (a percentage over hours or days), so they are judged
//! once a minute by the process holding the scheduler lease, from the rollup tier that
//! fits the window (minutes up to six hours, hours beyond), never from raw results.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use uuid::Uuid;

use super::evaluate::{apply, decide, human, Evaluated, Target};
use super::rules::Condition;
use super::{notifying, Alerting};
use crate::engine::Engine;
use crate::history::Tier;

#[derive(Debug, FromQueryResult)]
struct Counts {
    series_id: i64,
    up: i64,
    checks: i64,
}

/// Up and total checks per series since `since_ms`, from `tier`.
async fn counts(
    db: &impl ConnectionTrait,
    tier: Tier,
    series: &[i64],
    since_ms: i64,
) -> Result<HashMap<i64, (i64, i64)>, DbErr> {
    let mut found = HashMap::new();
    let backend = db.get_database_backend();
    for chunk in series.chunks(256) {
        let query = Query::select()
            .expr_as(
                Expr::cust("CAST(series_id AS BIGINT)"),
                Alias::new("series_id"),
            )
            .expr_as(Expr::cust("CAST(SUM(up) AS BIGINT)"), Alias::new("up"))
            .expr_as(
                Expr::cust("CAST(SUM(checks) AS BIGINT)"),
                Alias::new("checks"),
            )
            .from(Alias::new(tier.table()))
            .and_where(Expr::col(Alias::new("series_id")).is_in(chunk.iter().copied()))
            .and_where(Expr::col(Alias::new("bucket")).gte(tier.bucket_of(since_ms)))
            .group_by_col(Alias::new("series_id"))
            .to_owned();
        for row in Counts::find_by_statement(backend.build(&query))
            .all(db)
            .await?
        {
            found.insert(row.series_id, (row.up, row.checks));
        }
    }
    Ok(found)
}

/// Judges every uptime rule against every monitor it selects.
pub async fn evaluate(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    engine: &Engine,
    now: DateTime<Utc>,
) -> Result<Evaluated, DbErr> {
    let rules = alerting.rules();
    let rules: Vec<_> = rules
        .iter()
        .filter(|r| matches!(r.condition, Condition::Uptime { .. }))
        .collect();
    if rules.is_empty() {
        return Ok(Evaluated::default());
    }
    let monitors = engine.catalog().all();
    let mut actions = Vec::new();
    let mut judged: Vec<(usize, usize, super::evaluate::Finding)> = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        let Condition::Uptime {
            below_pct,
            window_s,
        } = rule.condition
        else {
            continue;
        };
        let selected: Vec<usize> = monitors
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                m.enabled
                    && rule
                        .targets
                        .matches(m.id, m.kind, m.group.as_deref(), &m.labels)
            })
            .filter(|(_, m)| alerting.maintenance_of(m, now).is_none())
            .map(|(i, _)| i)
            .collect();
        let tier = if window_s <= 6 * 3600 {
            Tier::Minute
        } else {
            Tier::Hour
        };
        let series: Vec<i64> = selected.iter().map(|&i| monitors[i].series_id).collect();
        let found = counts(
            db,
            tier,
            &series,
            now.timestamp_millis() - i64::from(window_s) * 1000,
        )
        .await?;
        for i in selected {
            let Some(&(up, checks)) = found.get(&monitors[i].series_id) else {
                continue;
            };
            if checks == 0 {
                continue;
            }
            let pct = ((up as f64) * 1000.0 / (checks as f64)).round() / 10.0;
            let message = format!(
                "uptime {pct} % over the last {} (threshold {below_pct} %)",
                human(window_s)
            );
            judged.push((r, i, (pct < below_pct, Some(pct), message)));
        }
    }
    let mut ids: Vec<Uuid> = judged.iter().map(|(_, i, _)| monitors[*i].id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut open = notifying::open_alerts(db, &ids).await?;
    for (r, i, verdict) in judged {
        actions.extend(decide(
            rules[r],
            Target::of(&monitors[i]),
            "",
            now,
            verdict,
            &mut open,
            now,
        ));
    }
    apply(db, alerting, actions, HashMap::new(), now).await
}
