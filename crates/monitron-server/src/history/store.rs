//! Writing batches of results: raw rows and the additive rollup upserts.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value};

use crate::db::Params;
use crate::history::query::get_i64;

use crate::history::{ResultRow, Tier};

/// Most rows per multi-row statement (well under SQLite's 32,766 parameters).
const ROWS_PER_STATEMENT: usize = 512;

/// Splits `items` into statement-sized chunks: full chunks of `max` (a power of two), then
/// the remainder as descending powers of two. A batch of any size then uses one of a
/// handful of statement shapes, so the per-connection prepared-statement caches stay
/// small; with one shape per batch size they grew by megabytes a minute.
pub fn shaped_chunks<T>(items: &[T], max: usize) -> Vec<&[T]> {
    debug_assert!(max.is_power_of_two());
    let mut out = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let size = if rest.len() >= max {
            max
        } else {
            1 << (usize::BITS - 1 - rest.len().leading_zeros())
        };
        let (head, tail) = rest.split_at(size);
        out.push(head);
        rest = tail;
    }
    out
}

/// The multi-row INSERT of raw results; a result already stored (same series and
/// millisecond) is skipped, and with `returning` the new ones are answered.
fn results_statement(backend: DbBackend, chunk: &[ResultRow], returning: bool) -> Statement {
    let mut params = Params::new(backend, chunk.len() * 6);
    let values = params.rows(chunk.iter().map(|r| {
        [
            series_value(backend, r.series_id),
            r.ts.into(),
            r.up.into(),
            r.response_us.into(),
            r.message.clone().into(),
            r.maintenance.into(),
        ]
    }));
    params.statement(format!(
        "INSERT INTO check_results (series_id, ts, up, response_us, message, maintenance) \
         VALUES {values} \
         ON CONFLICT DO NOTHING{}",
        if returning {
            " RETURNING series_id, ts"
        } else {
            ""
        }
    ))
}

/// Inserts raw results with multi-row INSERTs; a result already stored (same series and
/// millisecond) is skipped.
pub async fn insert_results(db: &impl ConnectionTrait, rows: &[ResultRow]) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for chunk in shaped_chunks(rows, ROWS_PER_STATEMENT) {
        db.execute(results_statement(backend, chunk, false)).await?;
    }
    Ok(())
}

/// Inserts raw results, skipping those already stored, and answers the ones that were
/// new (for rollups that must not count a replay twice).
pub async fn insert_new_results(
    db: &impl ConnectionTrait,
    rows: &[ResultRow],
) -> Result<Vec<ResultRow>, DbErr> {
    let backend = db.get_database_backend();
    let mut inserted = std::collections::HashSet::new();
    for chunk in shaped_chunks(rows, ROWS_PER_STATEMENT) {
        for row in db
            .query_all(results_statement(backend, chunk, true))
            .await?
        {
            inserted.insert((get_i64(&row, "series_id")?, get_i64(&row, "ts")?));
        }
    }
    // `remove`, not `contains`: a row given twice is new once.
    Ok(rows
        .iter()
        .filter(|r| inserted.remove(&(r.series_id, r.ts)))
        .cloned()
        .collect())
}

/// Series ids are INTEGER (4 bytes) in PostgreSQL tables.
pub(crate) fn series_value(backend: DbBackend, id: i64) -> Value {
    match backend {
        DbBackend::Postgres => i32::try_from(id).unwrap_or(i32::MAX).into(),
        _ => id.into(),
    }
}

/// Escapes a value for PostgreSQL's COPY text format.
fn copy_text(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Writes raw results on PostgreSQL with COPY, falling back to INSERT when a row is
/// already there (COPY cannot skip conflicts).
pub async fn copy_results(db: &DatabaseConnection, rows: &[ResultRow]) -> Result<(), DbErr> {
    use sea_orm::sqlx;
    let mut data = String::with_capacity(rows.len() * 40);
    for r in rows {
        data.push_str(&r.series_id.to_string());
        data.push('\t');
        data.push_str(&r.ts.to_string());
        data.push('\t');
        data.push(if r.up { 't' } else { 'f' });
        data.push('\t');
        match r.response_us {
            Some(us) => data.push_str(&us.to_string()),
            None => data.push_str("\\N"),
        }
        data.push('\t');
        match &r.message {
            Some(m) => copy_text(&mut data, m),
            None => data.push_str("\\N"),
        }
        data.push('\t');
        data.push(if r.maintenance { 't' } else { 'f' });
        data.push('\n');
    }
    let pool = db.get_postgres_connection_pool();
    let copied: Result<u64, sqlx::Error> = async {
        let mut conn = pool.acquire().await?;
        let mut copy = conn
            .copy_in_raw(
                "COPY check_results (series_id, ts, up, response_us, message, maintenance) \
                 FROM STDIN",
            )
            .await?;
        copy.send(data.as_bytes()).await?;
        copy.finish().await
    }
    .await;
    match copied {
        Ok(_) => Ok(()),
        Err(err) => {
            let conflict = err
                .as_database_error()
                .is_some_and(|e| e.kind() == sqlx::error::ErrorKind::UniqueViolation);
            if conflict {
                insert_results(db, rows).await
            } else {
                Err(DbErr::Custom(format!(
                    "COPY of check results failed: {err}"
                )))
            }
        }
    }
}

/// The sums of one rollup bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Results.
    pub checks: i64,
    /// Passing results.
    pub up: i64,
    /// Results with a response time.
    pub timed: i64,
    /// Sum of response times, µs.
    pub sum_us: i64,
    /// Fastest response, µs.
    pub min_us: Option<i32>,
    /// Slowest response, µs.
    pub max_us: Option<i32>,
}

impl Bucket {
    fn add(&mut self, r: &ResultRow) {
        self.checks += 1;
        self.up += i64::from(r.up);
        if let Some(us) = r.response_us {
            self.timed += 1;
            self.sum_us += i64::from(us);
            self.min_us = Some(self.min_us.map_or(us, |m| m.min(us)));
            self.max_us = Some(self.max_us.map_or(us, |m| m.max(us)));
        }
    }
}

/// Folds `rows` into per-(series, bucket) sums for `tier`.
pub fn fold(tier: Tier, rows: &[ResultRow]) -> Vec<((i64, i64), Bucket)> {
    let mut buckets: HashMap<(i64, i64), Bucket> = HashMap::new();
    for r in rows {
        buckets
            .entry((r.series_id, tier.bucket_of(r.ts)))
            .or_default()
            .add(r);
    }
    let mut out: Vec<_> = buckets.into_iter().collect();
    // A stable order keeps concurrent writers from deadlocking on PostgreSQL.
    out.sort_unstable_by_key(|(key, _)| *key);
    out
}

/// Adds the batch to every rollup tier.
pub async fn upsert_rollups(db: &impl ConnectionTrait, rows: &[ResultRow]) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for tier in Tier::ROLLUPS {
        let table = tier.table();
        let folded = fold(tier, rows);
        for chunk in shaped_chunks(&folded, ROWS_PER_STATEMENT) {
            let mut params = Params::new(backend, chunk.len() * 8);
            let values = params.rows(chunk.iter().map(|((series_id, bucket), b)| {
                [
                    series_value(backend, *series_id),
                    (*bucket).into(),
                    i32::try_from(b.checks).unwrap_or(i32::MAX).into(),
                    i32::try_from(b.up).unwrap_or(i32::MAX).into(),
                    i32::try_from(b.timed).unwrap_or(i32::MAX).into(),
                    b.sum_us.into(),
                    b.min_us.into(),
                    b.max_us.into(),
                ]
            }));
            let sql = format!(
                "INSERT INTO {table} (series_id, bucket, checks, up, timed, sum_us, min_us, max_us) VALUES {values} \
                 ON CONFLICT (series_id, bucket) DO UPDATE SET \
                 checks = {table}.checks + excluded.checks, \
                 up = {table}.up + excluded.up, \
                 timed = {table}.timed + excluded.timed, \
                 sum_us = {table}.sum_us + excluded.sum_us, \
                 min_us = CASE WHEN {table}.min_us IS NULL OR excluded.min_us < {table}.min_us THEN excluded.min_us ELSE {table}.min_us END, \
                 max_us = CASE WHEN {table}.max_us IS NULL OR excluded.max_us > {table}.max_us THEN excluded.max_us ELSE {table}.max_us END"
            );
            db.execute(params.statement(sql)).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(series_id: i64, ts: i64, up: bool, us: Option<i32>) -> ResultRow {
        ResultRow {
            series_id,
            ts,
            up,
            response_us: us,
            message: None,
            maintenance: false,
        }
    }

    #[test]
    fn folding_sums_per_series_and_bucket() {
        let rows = [
            row(1, 60_000, true, Some(100)),
            row(1, 61_000, false, None),
            row(1, 119_999, true, Some(300)),
            row(1, 120_000, true, Some(50)),
            row(2, 60_500, true, Some(7)),
        ];
        let folded = fold(Tier::Minute, &rows);
        assert_eq!(folded.len(), 3);
        assert_eq!(
            folded[0],
            (
                (1, 60_000),
                Bucket {
                    checks: 3,
                    up: 2,
                    timed: 2,
                    sum_us: 400,
                    min_us: Some(100),
                    max_us: Some(300)
                }
            )
        );
        assert_eq!(folded[1].0, (1, 120_000));
        assert_eq!(folded[2].1.checks, 1);
    }

    #[test]
    fn chunks_come_in_a_few_shapes() {
        let items: Vec<u32> = (0..1300).collect();
        let sizes: Vec<usize> = shaped_chunks(&items, 512).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [512, 512, 256, 16, 4]);
        assert_eq!(sizes.iter().sum::<usize>(), 1300);
        assert!(shaped_chunks::<u32>(&[], 512).is_empty());
        let mut shapes = std::collections::BTreeSet::new();
        for n in 1..5000 {
            let items = vec![0u8; n];
            shapes.extend(shaped_chunks(&items, 512).iter().map(|c| c.len()));
        }
        assert_eq!(shapes.len(), 10, "1, 2, 4, ... 512");
    }

    #[test]
    fn result_inserts_number_placeholders_for_postgres() {
        let rows = [row(1, 10, true, Some(5)), row(1, 11, false, None)];
        let pg = results_statement(DbBackend::Postgres, &rows, true).sql;
        assert!(
            pg.contains("VALUES ($1,$2,$3,$4,$5,$6),($7,$8,$9,$10,$11,$12)"),
            "{pg}"
        );
        assert!(pg.ends_with("RETURNING series_id, ts"), "{pg}");
        let lite = results_statement(DbBackend::Sqlite, &rows, false).sql;
        assert!(
            lite.contains("VALUES (?,?,?,?,?,?),(?,?,?,?,?,?) ON CONFLICT"),
            "{lite}"
        );
    }

    #[test]
    fn copy_text_escapes_separators() {
        let mut out = String::new();
        copy_text(&mut out, "a\tb\nc\\d");
        assert_eq!(out, "a\\tb\\nc\\\\d");
    }
}
