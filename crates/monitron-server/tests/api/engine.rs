//! The engine under stress and over time: a hanging target does not delay other
//! monitors, and retention removes old history (whole partitions on PostgreSQL).

use std::time::Duration;

use chrono::Utc;
use monitron_server::history::host_metrics::{self as metrics, MetricRow};
use monitron_server::history::{self, ResultRow, Retention};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::helpers::Backend;
use crate::targets::{create_service, HttpTarget};
use crate::{app, on_both_databases};

async fn a_hanging_target_never_delays_other_monitors(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    // Accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}/", silent.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let target = HttpTarget::start().await;
    let hanging = create_service(&app, &admin, json!({ "name": "hangs", "type": "http", "config": { "url": silent_url }, "interval_s": 1, "timeout_s": 4 })).await;
    create_service(&app, &admin, json!({ "name": "healthy", "type": "http", "config": { "url": target.url }, "interval_s": 1 })).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = target.authorizations().len();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let during = target.authorizations().len() - before;
    assert!(
        during >= 3,
        "the healthy monitor kept its 1 s rhythm: {during} checks in 4 s"
    );

    // The hanging check ends at its timeout as a failure; overlapping slots were skipped.
    let id = hanging["id"].as_str().unwrap();
    let r = app
        .get(&format!("/api/v1/services/{id}/results"), &admin)
        .await;
    let results = r.data().as_array().unwrap();
    assert!(!results.is_empty(), "{}", r.text);
    assert!(results.iter().all(|x| x["status"] == "down"));
    assert!(
        results[0]["message"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{}",
        r.text
    );
    assert!(
        results.len() <= 2,
        "at most one check in flight at a time: {}",
        r.text
    );
    hold.abort();
}

async fn count(db: &sea_orm::DatabaseConnection, table: &str) -> i64 {
    db.query_one(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table}"),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

async fn retention_removes_old_history_cheaply(backend: Backend) {
    let app = app!(backend);
    let db = &app.db;
    let now = Utc::now();
    let day = 86_400_000_i64;
    // On PostgreSQL results need a partition for their day: make those of 10 days ago.
    history::retention::prepare(db, now - chrono::Duration::days(10))
        .await
        .unwrap();
    let rows: Vec<ResultRow> = [(1, 10), (1, 9), (1, 0), (2, 10), (2, 0)]
        .into_iter()
        .map(|(series_id, days_ago)| ResultRow {
            series_id,
            ts: now.timestamp_millis() - days_ago * day,
            up: true,
            response_us: Some(1000),
            message: None,
            maintenance: false,
        })
        .collect();
    history::store::insert_results(db, &rows).await.unwrap();
    history::store::upsert_rollups(db, &rows).await.unwrap();
    // Rollups of 40 days ago: past the minute tier's 30 days, within the hour tier's 400.
    let old: Vec<ResultRow> = vec![ResultRow {
        series_id: 1,
        ts: now.timestamp_millis() - 40 * day,
        up: false,
        response_us: None,
        message: Some("x".into()),
        maintenance: false,
    }];
    history::store::upsert_rollups(db, &old).await.unwrap();
    db.execute_unprepared("INSERT INTO series (id, kind, created_at) VALUES (1, 'monitor', CURRENT_TIMESTAMP), (2, 'monitor', CURRENT_TIMESTAMP)").await.unwrap();
    // Instance metrics follow the same tiers.
    let metric_rows: Vec<MetricRow> = [10, 0]
        .into_iter()
        .map(|days_ago| MetricRow {
            series_id: 1,
            ts: now.timestamp_millis() - days_ago * day,
            values: [Some(1.0); metrics::N],
        })
        .collect();
    assert_eq!(metrics::store(db, &metric_rows).await.unwrap(), 2);
    assert_eq!(
        metrics::store(db, &metric_rows).await.unwrap(),
        0,
        "stored once"
    );

    let removed = history::retention::run(db, &Retention::default(), now)
        .await
        .unwrap();
    assert_eq!(
        count(db, "check_results").await,
        2,
        "raw results older than 7 days are gone"
    );
    assert_eq!(
        count(db, "check_rollups_1m").await,
        5,
        "minute rollups older than 30 days are gone"
    );
    assert_eq!(
        count(db, "check_rollups_1h").await,
        6,
        "hour rollups are kept 400 days"
    );
    assert_eq!(
        count(db, "check_rollups_1d").await,
        6,
        "daily uptime is kept"
    );
    assert_eq!(
        count(db, "instance_metrics").await,
        1,
        "raw metrics older than 7 days are gone"
    );
    assert_eq!(count(db, "instance_metrics_1m").await, 2);
    assert_eq!(count(db, "instance_metrics_1h").await, 2);
    if db.get_database_backend() == DbBackend::Postgres {
        assert!(
            removed.partitions >= 4,
            "{removed:?}: whole day partitions dropped"
        );
        let left = db
            .query_one(Statement::from_string(DbBackend::Postgres, "SELECT COUNT(*) AS n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'check_results'"))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert!(
            (5..=8).contains(&left),
            "partitions from 7 days ago to 3 ahead remain: {left}"
        );
    } else {
        assert_eq!(removed.rows, 3 + 1 + 1, "{removed:?}");
    }
}

on_both_databases!(
    a_hanging_target_never_delays_other_monitors,
    retention_removes_old_history_cheaply
);
