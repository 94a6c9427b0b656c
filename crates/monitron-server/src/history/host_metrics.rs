//! Instance metrics in tiers: the headline numbers of every snapshot as one raw row,
//! folded into 1-minute and 1-hour rollups (sum, min and max per metric, and the sample
//! count), plus the newest full snapshot per instance.
//!
//! A snapshot's details (each core, mount and interface) are kept only in its newest
//! copy; history keeps the numbers a chart or a threshold needs. That keeps a raw row
//! near 120 bytes and lets one writer store tens of thousands of snapshots a second.
//!
//! Ingest is idempotent: raw rows are keyed by `(series_id, ts)` and inserted with
//! `ON CONFLICT DO NOTHING ... RETURNING`, and only rows actually inserted are folded into
//! the rollups, so a snapshot replayed by an agent is counted once in every tier.
//!
//! A metric missing from a sample (no GPU) adds nothing to a bucket's sum, min or max;
//! averages divide by the bucket's sample count, so a metric present in only some
//! samples of a bucket averages low. Agents report the same metrics every time, so
//! this only shows in the bucket where a GPU appears or disappears.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use monitron_proto::Snapshot;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Value};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Params;
use crate::history::query::{at, get_i64};
use crate::history::store::{series_value, shaped_chunks};
use crate::history::{Retention, Tier};

/// The stored metrics, in column order.
pub const METRICS: [&str; 14] = [
    "cpu_pct",
    "load1",
    "mem_pct",
    "mem_used",
    "swap_pct",
    "disk_pct",
    "disk_read_bps",
    "disk_write_bps",
    "net_rx_bps",
    "net_tx_bps",
    "gpu_pct",
    "gpu_mem_pct",
    "gpu_temp_c",
    "gpu_power_w",
];

/// Number of stored metrics.
pub const N: usize = METRICS.len();

/// Most raw rows per statement (16 parameters each).
const RAW_ROWS_PER_STATEMENT: usize = 512;
/// Most rollup rows per statement (45 parameters each).
const ROLLUP_ROWS_PER_STATEMENT: usize = 256;

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// The sum of the rates that are known; unknown when none is (a first sample).
fn known_sum(rates: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    rates
        .flatten()
        .fold(None, |sum, rate| Some(sum.unwrap_or(0.0) + rate))
}

/// The stored numbers of a snapshot, in [`METRICS`] order.
pub fn values(s: &Snapshot) -> [Option<f64>; N] {
    let gpus = &s.gpus;
    let gpu_mem_total: u64 = gpus.iter().map(|g| g.memory_total_bytes).sum();
    let gpu_mem_used: u64 = gpus.iter().map(|g| g.memory_used_bytes).sum();
    let any_gpu = !gpus.is_empty();
    [
        finite(s.cpu.usage_pct),
        finite(s.cpu.load[0]),
        finite(s.memory.used_pct),
        Some(s.memory.used_bytes as f64),
        s.swap_used_pct(),
        s.fullest_disk_pct(),
        known_sum(s.disks.iter().map(|d| d.read_bytes_per_s)),
        known_sum(s.disks.iter().map(|d| d.write_bytes_per_s)),
        known_sum(s.networks.iter().map(|n| n.rx_bytes_per_s)),
        known_sum(s.networks.iter().map(|n| n.tx_bytes_per_s)),
        any_gpu.then(|| gpus.iter().map(|g| g.utilization_pct).sum::<f64>() / gpus.len() as f64),
        (gpu_mem_total > 0).then(|| gpu_mem_used as f64 * 100.0 / gpu_mem_total as f64),
        gpus.iter().map(|g| g.temperature_c).reduce(f64::max),
        any_gpu.then(|| gpus.iter().map(|g| g.power_w).sum()),
    ]
    .map(|v| v.and_then(finite))
}

/// One snapshot's stored numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// The instance's series.
    pub series_id: i64,
    /// Snapshot time, epoch milliseconds.
    pub ts: i64,
    /// In [`METRICS`] order.
    pub values: [Option<f64>; N],
}

impl MetricRow {
    /// The row of a snapshot.
    pub fn of(series_id: i64, snapshot: &Snapshot) -> Self {
        Self {
            series_id,
            ts: snapshot.timestamp.timestamp_millis(),
            values: values(snapshot),
        }
    }
}

/// The tiers instance metrics are kept in.
pub const TIERS: [Tier; 3] = [Tier::Raw, Tier::Minute, Tier::Hour];

/// The table of a tier.
pub fn table(tier: Tier) -> &'static str {
    match tier {
        Tier::Raw => "instance_metrics",
        Tier::Minute => "instance_metrics_1m",
        Tier::Hour | Tier::Day => "instance_metrics_1h",
    }
}

/// Inserts raw rows, skipping those already stored, and folds the new ones into the
/// rollups. Returns how many were new.
pub async fn store(db: &impl ConnectionTrait, rows: &[MetricRow]) -> Result<usize, DbErr> {
    let backend = db.get_database_backend();
    let columns = METRICS.join(", ");
    let mut inserted: HashSet<(i64, i64)> = HashSet::with_capacity(rows.len());
    for chunk in shaped_chunks(rows, RAW_ROWS_PER_STATEMENT) {
        let mut params = Params::new(backend, chunk.len() * (N + 2));
        let values = params.rows(chunk.iter().map(|r| {
            [series_value(backend, r.series_id), r.ts.into()]
                .into_iter()
                .chain(r.values.iter().map(|v| Value::from(*v)))
        }));
        let sql = format!(
            "INSERT INTO instance_metrics (series_id, ts, {columns}) VALUES {values} \
             ON CONFLICT DO NOTHING RETURNING series_id, ts"
        );
        for row in db.query_all(params.statement(sql)).await? {
            inserted.insert((get_i64(&row, "series_id")?, get_i64(&row, "ts")?));
        }
    }
    // `remove`, not `contains`: a row given twice is new once.
    let new: Vec<&MetricRow> = rows
        .iter()
        .filter(|r| inserted.remove(&(r.series_id, r.ts)))
        .collect();
    for tier in [Tier::Minute, Tier::Hour] {
        upsert_rollup(db, tier, &fold(tier, &new)).await?;
    }
    Ok(new.len())
}

/// Sums, minimums and maximums of one bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollup {
    /// Samples folded in.
    pub samples: i64,
    /// Per metric: (sum, min, max), `None` while no sample had it.
    pub stats: [Option<(f64, f64, f64)>; N],
}

impl Rollup {
    fn add(&mut self, values: &[Option<f64>; N]) {
        self.samples += 1;
        for (stat, v) in self.stats.iter_mut().zip(values) {
            if let Some(v) = *v {
                *stat = Some(match *stat {
                    Some((sum, min, max)) => (sum + v, min.min(v), max.max(v)),
                    None => (v, v, v),
                });
            }
        }
    }
}

/// Folds rows into buckets of `tier`, keyed by (series, bucket start).
pub fn fold(tier: Tier, rows: &[&MetricRow]) -> Vec<((i64, i64), Rollup)> {
    let mut buckets: HashMap<(i64, i64), Rollup> = HashMap::new();
    for r in rows {
        buckets
            .entry((r.series_id, tier.bucket_of(r.ts)))
            .or_insert_with(|| Rollup {
                samples: 0,
                stats: [None; N],
            })
            .add(&r.values);
    }
    let mut out: Vec<_> = buckets.into_iter().collect();
    // A stable order keeps concurrent writers from deadlocking on PostgreSQL.
    out.sort_by_key(|(k, _)| *k);
    out
}

async fn upsert_rollup(
    db: &impl ConnectionTrait,
    tier: Tier,
    buckets: &[((i64, i64), Rollup)],
) -> Result<(), DbErr> {
    if buckets.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let t = table(tier);
    let (least, greatest) = match backend {
        DbBackend::Postgres => ("LEAST", "GREATEST"),
        _ => ("MIN", "MAX"),
    };
    let mut columns = vec!["series_id".to_owned(), "bucket".into(), "samples".into()];
    let mut updates = vec![format!("samples = {t}.samples + excluded.samples")];
    for m in METRICS {
        columns.extend([format!("{m}_sum"), format!("{m}_min"), format!("{m}_max")]);
        updates.push(format!(
            "{m}_sum = COALESCE({t}.{m}_sum + excluded.{m}_sum, {t}.{m}_sum, excluded.{m}_sum)"
        ));
        updates.push(format!(
            "{m}_min = COALESCE({least}({t}.{m}_min, excluded.{m}_min), {t}.{m}_min, excluded.{m}_min)"
        ));
        updates.push(format!(
            "{m}_max = COALESCE({greatest}({t}.{m}_max, excluded.{m}_max), {t}.{m}_max, excluded.{m}_max)"
        ));
    }
    for chunk in shaped_chunks(buckets, ROLLUP_ROWS_PER_STATEMENT) {
        let mut params = Params::new(backend, chunk.len() * columns.len());
        let values = params.rows(chunk.iter().map(|((series_id, bucket), r)| {
            [
                series_value(backend, *series_id),
                (*bucket).into(),
                i32::try_from(r.samples).unwrap_or(i32::MAX).into(),
            ]
            .into_iter()
            .chain(r.stats.iter().flat_map(|stat| {
                [
                    Value::from(stat.map(|s| s.0)),
                    Value::from(stat.map(|s| s.1)),
                    Value::from(stat.map(|s| s.2)),
                ]
            }))
        }));
        let sql = format!(
            "INSERT INTO {t} ({}) VALUES {values} ON CONFLICT (series_id, bucket) DO UPDATE SET {}",
            columns.join(", "),
            updates.join(", ")
        );
        db.execute(params.statement(sql)).await?;
    }
    Ok(())
}

/// The newest snapshot of an instance and when its agent was last heard from.
pub struct Latest {
    /// Instance series.
    pub series_id: i64,
    /// Snapshot time, epoch ms.
    pub ts: i64,
    /// Last contact, epoch ms.
    pub contact_ms: i64,
    /// The snapshot as JSON (`None`: contact without a snapshot).
    pub snapshot: Option<String>,
}

/// Records the newest snapshot and contact time of each instance in a batch. An older
/// snapshot (a replay) never replaces a newer one; the contact time always advances.
pub async fn upsert_latest(db: &impl ConnectionTrait, latest: &[Latest]) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let t = "instance_latest";
    for chunk in shaped_chunks(latest, 256) {
        let mut params = Params::new(backend, chunk.len() * 4);
        let values = params.rows(chunk.iter().map(|l| {
            [
                series_value(backend, l.series_id),
                l.ts.into(),
                l.contact_ms.into(),
                l.snapshot.clone().into(),
            ]
        }));
        let sql = format!(
            "INSERT INTO {t} (series_id, ts, contact_ms, snapshot) VALUES {values} \
             ON CONFLICT (series_id) DO UPDATE SET \
             contact_ms = CASE WHEN excluded.contact_ms > {t}.contact_ms THEN excluded.contact_ms ELSE {t}.contact_ms END, \
             snapshot = CASE WHEN excluded.snapshot IS NOT NULL AND excluded.ts > {t}.ts THEN excluded.snapshot ELSE {t}.snapshot END, \
             ts = CASE WHEN excluded.snapshot IS NOT NULL AND excluded.ts > {t}.ts THEN excluded.ts ELSE {t}.ts END"
        );
        db.execute(params.statement(sql)).await?;
    }
    Ok(())
}

/// The newest stored snapshot of an instance and its agent's last contact.
pub async fn latest(
    db: &impl ConnectionTrait,
    series_id: i64,
) -> Result<Option<(Option<Snapshot>, DateTime<Utc>)>, DbErr> {
    let backend = db.get_database_backend();
    let mut params = Params::new(backend, 1);
    let sql = format!(
        "SELECT contact_ms, snapshot FROM instance_latest WHERE series_id = {}",
        params.bind(series_value(backend, series_id))
    );
    let row = db.query_one(params.statement(sql)).await?;
    let Some(row) = row else { return Ok(None) };
    let contact = at(get_i64(&row, "contact_ms")?);
    let snapshot: Option<String> = row.try_get("", "snapshot")?;
    Ok(Some((
        snapshot.and_then(|s| serde_json::from_str(&s).ok()),
        contact,
    )))
}

/// When each given instance's agent was last heard from.
pub async fn last_contact(
    db: &impl ConnectionTrait,
    series_id: i64,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let backend = db.get_database_backend();
    let mut params = Params::new(backend, 1);
    let sql = format!(
        "SELECT contact_ms FROM instance_latest WHERE series_id = {}",
        params.bind(series_value(backend, series_id))
    );
    let row = db.query_one(params.statement(sql)).await?;
    row.map(|r| get_i64(&r, "contact_ms").map(at)).transpose()
}

/// One metric over one chart step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Stat {
    /// Mean.
    pub avg: f64,
    /// Lowest sample.
    pub min: f64,
    /// Highest sample.
    pub max: f64,
}

/// One chart step.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MetricPoint {
    /// Start of the step.
    pub t: DateTime<Utc>,
    /// Snapshots in the step.
    pub samples: i64,
    /// Per metric name; absent when no snapshot in the step had the metric.
    #[schema(value_type = std::collections::BTreeMap<String, Stat>)]
    pub values: std::collections::BTreeMap<&'static str, Stat>,
}

/// The finest tier that keeps `[from, now]` and whose buckets fit in `step_ms`.
pub fn choose_tier(step_ms: i64, from_ms: i64, now_ms: i64, retention: &Retention) -> Tier {
    let reaches = |tier: Tier| {
        tier.kept(retention)
            .is_none_or(|keep| now_ms - keep.as_millis() as i64 <= from_ms)
    };
    [Tier::Hour, Tier::Minute, Tier::Raw]
        .into_iter()
        .find(|t| t.bucket_ms() <= step_ms && reaches(*t))
        .unwrap_or(Tier::Hour)
}

/// A chart of `[from, to)` in steps of `step_ms` for the chosen metrics.
pub async fn series(
    db: &impl ConnectionTrait,
    series_id: i64,
    tier: Tier,
    (from_ms, to_ms, step_ms): (i64, i64, i64),
    metrics: &[&'static str],
) -> Result<Vec<MetricPoint>, DbErr> {
    let backend = db.get_database_backend();
    let raw = tier == Tier::Raw;
    let (time, samples) = if raw {
        ("ts", "COUNT(*)")
    } else {
        ("bucket", "SUM(samples)")
    };
    let start = tier.bucket_of(from_ms);
    let mut params = Params::new(backend, 5);
    let mut select = vec![
        format!(
            "CAST(({time} - {}) / {} AS BIGINT) AS k",
            params.bind(start),
            params.bind(step_ms)
        ),
        format!("CAST({samples} AS BIGINT) AS samples"),
    ];
    for m in metrics {
        if raw {
            select.push(format!(
                "SUM({m}) AS {m}_sum, MIN({m}) AS {m}_min, MAX({m}) AS {m}_max"
            ));
        } else {
            select.push(format!(
                "SUM({m}_sum) AS {m}_sum, MIN({m}_min) AS {m}_min, MAX({m}_max) AS {m}_max"
            ));
        }
    }
    let sql = format!(
        "SELECT {} FROM {} WHERE series_id = {} AND {time} >= {} AND {time} < {} GROUP BY 1 ORDER BY 1",
        select.join(", "),
        table(tier),
        params.bind(series_value(backend, series_id)),
        params.bind(start),
        params.bind(to_ms),
    );
    let rows = db.query_all(params.statement(sql)).await?;
    rows.iter()
        .map(|r| {
            let samples = get_i64(r, "samples")?;
            let mut values = std::collections::BTreeMap::new();
            for m in metrics {
                let sum: Option<f64> = r.try_get("", &format!("{m}_sum"))?;
                let min: Option<f64> = r.try_get("", &format!("{m}_min"))?;
                let max: Option<f64> = r.try_get("", &format!("{m}_max"))?;
                if let (Some(sum), Some(min), Some(max)) = (sum, min, max) {
                    let avg = if samples > 0 {
                        sum / samples as f64
                    } else {
                        sum
                    };
                    values.insert(*m, Stat { avg, min, max });
                }
            }
            Ok(MetricPoint {
                t: at(start + get_i64(r, "k")? * step_ms),
                samples,
                values,
            })
        })
        .collect()
}

/// Deletes every stored metric of a series (its instance was deleted).
pub async fn forget(db: &impl ConnectionTrait, series_id: i64) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for t in [
        "instance_metrics",
        "instance_metrics_1m",
        "instance_metrics_1h",
        "instance_latest",
    ] {
        let delete = Query::delete()
            .from_table(Alias::new(t))
            .and_where(Expr::col(Alias::new("series_id")).eq(series_value(backend, series_id)))
            .to_owned();
        db.execute(backend.build(&delete)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(json: serde_json::Value) -> Snapshot {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn headline_values_of_a_snapshot() {
        let s = snapshot(serde_json::json!({
            "timestamp": "2026-11-21T10:00:00Z", "uptime_s": 1,
            "cpu": { "usage_pct": 12.5, "per_core_pct": [10.0, 15.0], "load": [0.5, 0.3, 0.2] },
            "memory": { "total_bytes": 1000, "used_bytes": 250, "used_pct": 25.0,
                        "swap_total_bytes": 200, "swap_used_bytes": 50 },
            "disks": [
                { "mount": "/", "device": "vda", "fs": "ext4", "total_bytes": 10, "used_bytes": 5,
                  "used_pct": 50.0, "read_bytes_per_s": 1.0, "write_bytes_per_s": 2.0 },
                { "mount": "/data", "device": "vdb", "fs": "ext4", "total_bytes": 10, "used_bytes": 9,
                  "used_pct": 90.0, "read_bytes_per_s": 3.0, "write_bytes_per_s": 4.0 }
            ],
            "networks": [ { "name": "eth0", "rx_bytes": 0, "tx_bytes": 0,
                            "rx_bytes_per_s": 100.0, "tx_bytes_per_s": 50.0 } ],
            "gpus": []
        }));
        let v = values(&s);
        let named: HashMap<&str, Option<f64>> = METRICS.iter().copied().zip(v).collect();
        assert_eq!(named["cpu_pct"], Some(12.5));
        assert_eq!(named["load1"], Some(0.5));
        assert_eq!(named["swap_pct"], Some(25.0));
        assert_eq!(named["disk_pct"], Some(90.0));
        assert_eq!(named["disk_read_bps"], Some(4.0));
        assert_eq!(named["disk_write_bps"], Some(6.0));
        assert_eq!(named["net_rx_bps"], Some(100.0));
        assert_eq!(named["gpu_pct"], None);
        assert_eq!(named["gpu_temp_c"], None);
    }

    #[test]
    fn folding_keeps_sum_min_max_per_bucket() {
        let mut a = [None; N];
        a[0] = Some(10.0);
        let mut b = [None; N];
        b[0] = Some(30.0);
        b[10] = Some(5.0);
        let rows = [
            MetricRow {
                series_id: 1,
                ts: 60_000,
                values: a,
            },
            MetricRow {
                series_id: 1,
                ts: 119_999,
                values: b,
            },
            MetricRow {
                series_id: 1,
                ts: 120_000,
                values: a,
            },
        ];
        let refs: Vec<&MetricRow> = rows.iter().collect();
        let folded = fold(Tier::Minute, &refs);
        assert_eq!(folded.len(), 2);
        let (key, first) = &folded[0];
        assert_eq!(*key, (1, 60_000));
        assert_eq!(first.samples, 2);
        assert_eq!(first.stats[0], Some((40.0, 10.0, 30.0)));
        assert_eq!(first.stats[10], Some((5.0, 5.0, 5.0)));
        assert_eq!(first.stats[1], None);
    }
}
