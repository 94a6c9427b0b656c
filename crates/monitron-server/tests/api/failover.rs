//! Two `monitron serve` processes sharing one database (and, on PostgreSQL, RabbitMQ):
//! exactly one schedules; when it is killed the other takes over within 15 s, and no
//! monitor is checked twice in the same slot.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::json;

use crate::helpers::Backend;
use crate::processes::{admin_token, cluster, start, start_with_roles, wait_ready};

/// Every stored result: series id -> sorted check times (ms).
async fn results(db: &DatabaseConnection) -> HashMap<i64, Vec<i64>> {
    let rows = db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            "SELECT CAST(series_id AS BIGINT) AS s, ts FROM check_results ORDER BY ts",
        ))
        .await
        .unwrap();
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in rows {
        out.entry(r.try_get("", "s").unwrap())
            .or_default()
            .push(r.try_get("", "ts").unwrap());
    }
    out
}

async fn lease_holder_pid(db: &DatabaseConnection) -> Option<u32> {
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT holder FROM leases WHERE name = 'scheduler'",
        ))
        .await
        .unwrap()?;
    let holder: String = row.try_get("", "holder").unwrap();
    holder.split('-').next()?.parse().ok()
}

async fn the_scheduler_fails_over_without_checking_twice(backend: Backend) {
    let (dir, mut env) = cluster("failover");
    let mut pg_name = None;
    let prefix = format!("monitron-failover-{}", uuid::Uuid::now_v7().simple());
    let database_url = match backend {
        Backend::Sqlite => format!("sqlite://{}/shared.db?mode=rwc", dir.display()),
        Backend::Postgres => {
            let admin_url = std::env::var("MONITRON_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let Ok(admin) = Database::connect(&admin_url).await else {
                if std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1") {
                    eprintln!("SKIPPED: failover on PostgreSQL (unreachable)");
                    return;
                }
                panic!("PostgreSQL is needed at {admin_url}");
            };
            let name = format!("monitron_failover_{}", uuid::Uuid::now_v7().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            pg_name = Some((admin_url.clone(), name.clone()));
            let rabbit = std::env::var("MONITRON_TEST_RABBITMQ_URL")
                .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
            env.push(("RABBITMQ_URL".into(), rabbit));
            env.push(("QUEUE_PREFIX".into(), prefix.clone()));
            format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0)
        }
    };
    env.push(("DATABASE_URL".into(), database_url.clone()));
    let migrate = Command::new(env!("CARGO_BIN_EXE_monitron"))
        .arg("migrate")
        .current_dir(&dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );

    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut a = Some(start(&env, &dir));
    wait_ready(&client, a.as_ref().unwrap().port).await;
    let mut b = Some(start(&env, &dir));
    wait_ready(&client, b.as_ref().unwrap().port).await;
    let db = Database::connect(&database_url).await.unwrap();

    // Five monitors checked every second, against a listener of this test.
    let target = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target_port = target.local_addr().unwrap().port();
    tokio::spawn(async move { while target.accept().await.is_ok() {} });
    let api = format!("http://127.0.0.1:{}", a.as_ref().unwrap().port);
    let token = admin_token(&client, a.as_ref().unwrap().port).await;
    for i in 0..5 {
        let r = client
            .post(format!("{api}/api/v1/services"))
            .bearer_auth(&token)
            .json(
                &json!({ "name": format!("tcp {i}"), "type": "tcp", "interval_s": 1,
                           "config": { "host": "127.0.0.1", "port": target_port } }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    // Every monitor is being checked: three results each (about 3 s; a loaded machine
    // may take longer to pick new monitors up and write a batch, so wait on the results).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let before = results(&db).await;
        if before.len() == 5 && before.values().all(|ts| ts.len() >= 3) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "every monitor is being checked: {before:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Kill the process holding the lease, without warning.
    let holder = lease_holder_pid(&db)
        .await
        .expect("a scheduler holds the lease");
    let killed_at = chrono::Utc::now().timestamp_millis();
    if a.as_ref().is_some_and(|s| s.child.id() == holder) {
        a.take();
    } else {
        assert_eq!(
            b.as_ref().unwrap().child.id(),
            holder,
            "the lease names one of the two"
        );
        b.take();
    }
    let survivor_pid = a.as_ref().or(b.as_ref()).unwrap().child.id();

    // Checks resume from the survivor within 15 s.
    let deadline = Instant::now() + Duration::from_secs(20);
    let resumed_at = loop {
        let after: Vec<i64> = results(&db)
            .await
            .values()
            .flatten()
            .copied()
            .filter(|ts| *ts > killed_at + 1000)
            .collect();
        if let Some(first) = after.iter().min() {
            break *first;
        }
        assert!(
            Instant::now() < deadline,
            "no checks after the scheduler died"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let gap_ms = resumed_at - killed_at;
    assert!(gap_ms < 15_000, "checks resumed {gap_ms} ms after the kill");
    assert_eq!(lease_holder_pid(&db).await, Some(survivor_pid));
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Never two checks of one monitor in one 1-second slot, before, across or after the
    // failover.
    for (series, times) in results(&db).await {
        for pair in times.windows(2) {
            assert!(
                pair[1] - pair[0] > 500,
                "series {series} was checked twice in one slot: {} and {}",
                pair[0],
                pair[1]
            );
        }
    }
    eprintln!("failover: checks resumed {gap_ms} ms after the scheduler was killed");

    drop(a);
    drop(b);
    db.close().await.ok();
    if let Some((admin_url, name)) = pg_name {
        let admin = Database::connect(&admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .ok();
        if let Ok(queue) = monitron_server::queue::RabbitMq::connect(
            &std::env::var("MONITRON_TEST_RABBITMQ_URL")
                .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
            &prefix,
        )
        .await
        {
            let _ = queue.delete_queues().await;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

crate::on_both_databases!(the_scheduler_fails_over_without_checking_twice);

/// An API-only process streams live events of checks that another process runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_process_relays_events_of_checks_run_elsewhere() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let (dir, mut env) = cluster("roles");
    env.push((
        "DATABASE_URL".into(),
        format!("sqlite://{}/shared.db?mode=rwc", dir.display()),
    ));
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let api = start_with_roles(&env, &dir, &["api"]);
    wait_ready(&client, api.port).await;
    let engine = start_with_roles(&env, &dir, &["scheduler", "worker"]);
    wait_ready(&client, engine.port).await;
    let base = format!("http://127.0.0.1:{}", api.port);
    let token = admin_token(&client, api.port).await;
    let mut request = format!("ws://127.0.0.1:{}/api/v1/ws", api.port)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();

    let target = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = target.local_addr().unwrap().port();
    tokio::spawn(async move { while target.accept().await.is_ok() {} });
    let created: serde_json::Value = client
        .post(format!("{base}/api/v1/services"))
        .bearer_auth(&token)
        .json(&json!({ "name": "elsewhere", "type": "tcp", "interval_s": 1, "config": { "host": "127.0.0.1", "port": port } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let mut results = 0;
    while results < 2 {
        let message = tokio::time::timeout(Duration::from_secs(15), socket.next())
            .await
            .expect("events within 15 s")
            .unwrap()
            .unwrap();
        let tokio_tungstenite::tungstenite::Message::Text(text) = message else {
            continue;
        };
        let event: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(event["monitor_id"], id.as_str(), "{event}");
        if event["event"] == "result" {
            assert_eq!(event["status"], "up", "{event}");
            results += 1;
        }
    }
    drop(api);
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
}

/// After a restart, a monitor checked recently waits for its slot; one whose last check
/// is older than its interval is checked at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_catches_up_overdue_monitors_only() {
    let (dir, mut env) = cluster("restart");
    let database_url = format!("sqlite://{}/restart.db?mode=rwc", dir.display());
    env.push(("DATABASE_URL".into(), database_url.clone()));
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let target = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target_port = target.local_addr().unwrap().port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while target.accept().await.is_ok() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let checks = || accepted.load(std::sync::atomic::Ordering::SeqCst);

    let server = start(&env, &dir);
    wait_ready(&client, server.port).await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let token = admin_token(&client, server.port).await;
    let r = client
        .post(format!("{base}/api/v1/services"))
        .bearer_auth(&token)
        .json(&json!({ "name": "hourly", "type": "tcp", "interval_s": 3600, "config": { "host": "127.0.0.1", "port": target_port } }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let deadline = Instant::now() + Duration::from_secs(15);
    while checks() < 1 {
        assert!(
            Instant::now() < deadline,
            "a new monitor is checked promptly"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop();

    // Checked a moment ago: a restart leaves it for its next hourly slot.
    let server = start(&env, &dir);
    wait_ready(&client, server.port).await;
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(
        checks(),
        1,
        "a recently checked monitor is not checked again on restart"
    );
    server.stop();

    // Last checked two hours ago: overdue, so checked within the catch-up window.
    let db = Database::connect(&database_url).await.unwrap();
    let two_hours_ago = chrono::Utc::now() - chrono::Duration::hours(2);
    db.execute(Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE monitor_states SET last_checked_at = ?",
        [two_hours_ago.into()],
    ))
    .await
    .unwrap();
    db.close().await.ok();
    let server = start(&env, &dir);
    wait_ready(&client, server.port).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while checks() < 2 {
        assert!(
            Instant::now() < deadline,
            "an overdue monitor is caught up after a restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
