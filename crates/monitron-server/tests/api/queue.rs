//! The work queue, both transports, the RabbitMQ one against the real broker.

use std::time::{Duration, Instant};

use monitron_server::queue::{
    in_process, outbox, Consumer, InProcess, Outbox, Queue, RabbitMq, Retried, WorkKind,
};

fn rabbitmq_url() -> String {
    std::env::var("MONITRON_TEST_RABBITMQ_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// The next delivery, which must come within 5 s.
async fn next_one(consumer: &mut Consumer) -> monitron_server::queue::Delivery {
    next_within(consumer, Duration::from_secs(5))
        .await
        .expect("a delivery within 5 s")
}

/// A RabbitMQ queue set under a prefix of its own, or `None` when skipping is allowed.
async fn rabbit() -> Option<RabbitMq> {
    let prefix = format!("monitron-test-{}", uuid::Uuid::now_v7().simple());
    match RabbitMq::connect(&rabbitmq_url(), &prefix).await {
        Ok(q) => Some(q),
        Err(err) if std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1") => {
            eprintln!("SKIPPED: RabbitMQ test (MONITRON_SKIP_SERVICES=1; {err})");
            None
        }
        Err(err) => panic!("RabbitMQ is needed ({err}): start it with `rabbitmq-server -detached`, point MONITRON_TEST_RABBITMQ_URL elsewhere, or set MONITRON_SKIP_SERVICES=1"),
    }
}

async fn next_within(
    consumer: &mut Consumer,
    wait: Duration,
) -> Option<monitron_server::queue::Delivery> {
    match tokio::time::timeout(wait, consumer.next()).await {
        Ok(Some(Ok(d))) => Some(d),
        Ok(Some(Err(e))) => panic!("delivery failed: {e}"),
        _ => None,
    }
}

async fn published_work_is_delivered_in_order_and_acked(queue: Queue) {
    for i in 0..3 {
        queue
            .publish(WorkKind::Report, format!("n{i}").as_bytes())
            .await
            .unwrap();
    }
    assert_eq!(queue.depth(WorkKind::Report).await.unwrap(), 3);
    let mut consumer = queue.consume(WorkKind::Report, 10).await.unwrap();
    for i in 0..3 {
        let d = next_within(&mut consumer, Duration::from_secs(5))
            .await
            .expect("delivered");
        assert_eq!(
            (d.payload.as_slice(), d.attempt),
            (format!("n{i}").as_bytes(), 1)
        );
        d.ack().await.unwrap();
    }
    assert_eq!(queue.depth(WorkKind::Report).await.unwrap(), 0);
    assert!(next_within(&mut consumer, Duration::from_millis(300))
        .await
        .is_none());
}

async fn retries_come_back_after_their_delay_and_spent_ones_are_dead_lettered(queue: Queue) {
    queue.publish(WorkKind::Email, b"mail").await.unwrap();
    let mut consumer = queue.consume(WorkKind::Email, 1).await.unwrap();
    let first = next_one(&mut consumer).await;
    let handed_back = Instant::now();
    assert_eq!(
        first.retry("smtp: connection refused").await.unwrap(),
        Retried::Later(Duration::from_secs(1))
    );
    let second = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("redelivered");
    assert!(
        handed_back.elapsed() >= Duration::from_millis(950),
        "after the delay: {:?}",
        handed_back.elapsed()
    );
    assert_eq!(
        (second.payload.as_slice(), second.attempt),
        (b"mail".as_slice(), 2)
    );
    second.ack().await.unwrap();

    // Checks get one attempt: handing one back parks it with the dead letters.
    queue.publish(WorkKind::Check, b"check-1").await.unwrap();
    let mut checks = queue.consume(WorkKind::Check, 1).await.unwrap();
    let check = next_one(&mut checks).await;
    assert_eq!(
        check.retry("probe panicked").await.unwrap(),
        Retried::DeadLettered
    );
    assert_eq!(queue.dead_letters(WorkKind::Check).await.unwrap(), 1);
    assert!(next_within(&mut checks, Duration::from_millis(300))
        .await
        .is_none());
    assert_eq!(queue.replay_dead_letters(WorkKind::Check).await.unwrap(), 1);
    let replayed = next_within(&mut checks, Duration::from_secs(5))
        .await
        .expect("replayed");
    assert_eq!(
        (replayed.payload.as_slice(), replayed.attempt),
        (b"check-1".as_slice(), 1)
    );
    replayed.ack().await.unwrap();
    assert_eq!(queue.dead_letters(WorkKind::Check).await.unwrap(), 0);
}

async fn prefetch_bounds_unacknowledged_deliveries(queue: Queue) {
    for i in 0..4 {
        queue
            .publish(WorkKind::Report, format!("r{i}").as_bytes())
            .await
            .unwrap();
    }
    let mut consumer = queue.consume(WorkKind::Report, 2).await.unwrap();
    let a = next_one(&mut consumer).await;
    let _b = next_one(&mut consumer).await;
    assert!(
        next_within(&mut consumer, Duration::from_millis(400))
            .await
            .is_none(),
        "a third waits for an ack"
    );
    a.ack().await.unwrap();
    assert!(next_within(&mut consumer, Duration::from_secs(5))
        .await
        .is_some());
}

/// A retry told to wait long (a provider's Retry-After) does not hold back a shorter one
/// handed back after it.
async fn a_short_retry_does_not_wait_behind_a_long_one(queue: Queue) {
    for payload in [b"slow provider".as_slice(), b"quick retry".as_slice()] {
        queue
            .publish(WorkKind::Notification, payload)
            .await
            .unwrap();
    }
    let mut consumer = queue.consume(WorkKind::Notification, 2).await.unwrap();
    let slow = next_one(&mut consumer).await;
    let quick = next_one(&mut consumer).await;
    assert_eq!(
        (slow.payload.as_slice(), quick.payload.as_slice()),
        (b"slow provider".as_slice(), b"quick retry".as_slice())
    );
    slow.retry_after(Duration::from_secs(60), "429, retry after 60 s")
        .await
        .unwrap();
    let handed_back = Instant::now();
    quick
        .retry_after(Duration::from_secs(1), "503")
        .await
        .unwrap();
    let back = next_within(&mut consumer, Duration::from_secs(10))
        .await
        .expect("the short retry comes back");
    let waited = handed_back.elapsed();
    assert_eq!(back.payload, b"quick retry");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "back after {waited:?}, not after its 1 s"
    );
    back.ack().await.unwrap();
}

#[tokio::test]
async fn in_process_queue() {
    published_work_is_delivered_in_order_and_acked(Queue::InProcess(InProcess::new())).await;
    retries_come_back_after_their_delay_and_spent_ones_are_dead_lettered(Queue::InProcess(
        InProcess::new(),
    ))
    .await;
    prefetch_bounds_unacknowledged_deliveries(Queue::InProcess(InProcess::new())).await;
    a_short_retry_does_not_wait_behind_a_long_one(Queue::InProcess(InProcess::new())).await;
}

#[tokio::test]
async fn rabbitmq_queue() {
    for scenario in 0..4 {
        let Some(rabbit) = rabbit().await else { return };
        let queue = Queue::RabbitMq(rabbit.clone());
        match scenario {
            0 => published_work_is_delivered_in_order_and_acked(queue).await,
            1 => retries_come_back_after_their_delay_and_spent_ones_are_dead_lettered(queue).await,
            2 => prefetch_bounds_unacknowledged_deliveries(queue).await,
            _ => a_short_retry_does_not_wait_behind_a_long_one(queue).await,
        }
        rabbit.delete_queues().await.unwrap();
        rabbit.close().await.unwrap();
    }
}

#[tokio::test]
async fn work_held_by_a_worker_that_dies_is_not_lost() {
    let Some(first) = rabbit().await else { return };
    let prefix_queue = Queue::RabbitMq(first.clone());
    prefix_queue
        .publish(WorkKind::Report, b"important")
        .await
        .unwrap();
    let mut consumer = prefix_queue.consume(WorkKind::Report, 1).await.unwrap();
    let held = next_one(&mut consumer).await;
    assert_eq!(held.payload, b"important");
    // The worker's process goes away without acknowledging.
    std::mem::forget(held);
    drop(consumer);
    first.close().await.unwrap();

    let prefix = first_prefix(&prefix_queue);
    let second = RabbitMq::connect(&rabbitmq_url(), &prefix).await.unwrap();
    let queue = Queue::RabbitMq(second.clone());
    let mut consumer = queue.consume(WorkKind::Report, 1).await.unwrap();
    let again = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("redelivered to another worker");
    assert_eq!(again.payload, b"important");
    again.ack().await.unwrap();
    second.delete_queues().await.unwrap();
    second.close().await.unwrap();
}

fn first_prefix(queue: &Queue) -> String {
    match queue {
        Queue::RabbitMq(q) => q.prefix().to_owned(),
        Queue::InProcess(_) => unreachable!(),
    }
}

/// The in-process transport as the server runs it: durable kinds in the outbox table.
async fn outbox_backed(backend: crate::helpers::Backend) {
    let Some(app) = crate::helpers::spawn_app(backend).await else {
        return;
    };
    let queue = || Queue::InProcess(InProcess::new().with_outbox(Outbox::new(app.db.clone())));
    published_work_is_delivered_in_order_and_acked(queue()).await;
    retries_come_back_after_their_delay_and_spent_ones_are_dead_lettered(queue()).await;
    prefetch_bounds_unacknowledged_deliveries(queue()).await;
    a_short_retry_does_not_wait_behind_a_long_one(queue()).await;
    outbox_entity::Entity::delete_many()
        .exec(&app.db)
        .await
        .unwrap();

    // Work written in a transaction is there after a restart: a new queue over the same
    // database delivers it; a rolled-back transaction leaves nothing.
    let txn = monitron_server::db::begin_write(&app.db).await.unwrap();
    outbox::enqueue(&txn, WorkKind::Email, b"committed".to_vec())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let txn = monitron_server::db::begin_write(&app.db).await.unwrap();
    outbox::enqueue(&txn, WorkKind::Email, b"rolled back".to_vec())
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    let restarted = queue();
    assert_eq!(restarted.depth(WorkKind::Email).await.unwrap(), 1);
    let mut consumer = restarted.consume(WorkKind::Email, 4).await.unwrap();
    let delivery = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("delivered after the restart");
    assert_eq!(delivery.payload, b"committed");
    delivery.ack().await.unwrap();
    assert_eq!(restarted.depth(WorkKind::Email).await.unwrap(), 0);

    // A failed delivery keeps its reason with the row.
    restarted
        .publish(WorkKind::Email, b"to a refusing server")
        .await
        .unwrap();
    let failed = next_one(&mut consumer).await;
    failed.retry("550 mailbox unavailable").await.unwrap();
    let row = outbox_rows(&app.db).await.pop().expect("the row waits");
    assert_eq!(
        (row.attempt, row.last_error.as_deref()),
        (2, Some("550 mailbox unavailable"))
    );
    outbox_entity::Entity::delete_many()
        .exec(&app.db)
        .await
        .unwrap();
}

crate::on_both_databases!(outbox_backed);

use monitron_server::db::entities::outbox as outbox_entity;
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};

async fn outbox_rows(db: &sea_orm::DatabaseConnection) -> Vec<outbox_entity::Model> {
    outbox_entity::Entity::find()
        .order_by_asc(outbox_entity::Column::CreatedAt)
        .all(db)
        .await
        .unwrap()
}

/// Regression: a process whose claim had passed (it stalled, another took the row over)
/// still settled the row, handing it back while the other process was delivering it.
async fn a_settlement_after_the_claim_passed_leaves_the_row_alone(
    backend: crate::helpers::Backend,
) {
    let Some(app) = crate::helpers::spawn_app(backend).await else {
        return;
    };
    let queue = || Queue::InProcess(InProcess::new().with_outbox(Outbox::new(app.db.clone())));
    let (first, second) = (queue(), queue());
    first.publish(WorkKind::Email, b"reset link").await.unwrap();
    let mut stalled = first.consume(WorkKind::Email, 1).await.unwrap();
    let stale = next_one(&mut stalled).await;
    // The claim passes.
    outbox_entity::Entity::update_many()
        .col_expr(
            outbox_entity::Column::ClaimedUntil,
            sea_orm::sea_query::Expr::value(1_i64),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let mut other = second.consume(WorkKind::Email, 1).await.unwrap();
    let taken_over = next_within(&mut other, Duration::from_secs(5))
        .await
        .expect("the other process takes the row over");
    stale.retry("timed out").await.unwrap();
    let row = outbox_rows(&app.db).await.pop().expect("still there");
    assert_eq!(
        (row.attempt, row.last_error, row.claimed_until.is_some()),
        (1, None, true),
        "the stale hand-back changed nothing"
    );
    taken_over.ack().await.unwrap();
    assert!(outbox_rows(&app.db).await.is_empty());
}

mod stale_claim {
    crate::on_both_databases!(a_settlement_after_the_claim_passed_leaves_the_row_alone);
    use super::a_settlement_after_the_claim_passed_leaves_the_row_alone;
}

/// A consumer claims a round of rows at once; one that waited for a free slot is claimed
/// afresh before it is handed out, and skipped if another process took it over meanwhile.
async fn rows_claimed_ahead_are_renewed_or_given_up(backend: crate::helpers::Backend) {
    let Some(app) = crate::helpers::spawn_app(backend).await else {
        return;
    };
    let queue = Queue::InProcess(InProcess::new().with_outbox(Outbox::new(app.db.clone())));
    for i in 0..6 {
        queue
            .publish(WorkKind::Email, format!("mail {i}").as_bytes())
            .await
            .unwrap();
    }
    let claim_of = |payload: &'static str| {
        let db = app.db.clone();
        async move {
            outbox_rows(&db)
                .await
                .into_iter()
                .find(|r| r.payload == payload.as_bytes())
                .and_then(|r| r.claimed_until)
        }
    };
    let mut consumer = queue.consume(WorkKind::Email, 2).await.unwrap();
    let first = next_one(&mut consumer).await;
    assert!(
        claim_of("mail 1").await.is_some(),
        "the second row is claimed with the first"
    );
    assert!(claim_of("mail 2").await.is_none(), "no more than the slots");
    let second = next_one(&mut consumer).await;
    first.ack().await.unwrap();
    let third = next_one(&mut consumer).await;
    assert_eq!(third.payload, b"mail 2");
    // "mail 3" waits for a slot, claimed, longer than a fresh claim is trusted.
    let waited = claim_of("mail 3").await.expect("claimed with mail 2");
    tokio::time::sleep(Duration::from_millis(5500)).await;
    second.ack().await.unwrap();
    let fourth = next_one(&mut consumer).await;
    assert_eq!(fourth.payload, b"mail 3");
    let renewed = claim_of("mail 3").await.expect("still claimed");
    assert!(
        renewed >= waited + 5000,
        "claimed afresh: {waited} -> {renewed}"
    );
    fourth.ack().await.unwrap();
    assert!(
        claim_of("mail 3").await.is_none(),
        "settled under the new claim"
    );
    assert_eq!(outbox_rows(&app.db).await.len(), 3);

    // "mail 5" waits; meanwhile another process takes it over: it is not handed out here.
    third.ack().await.unwrap();
    let fifth = next_one(&mut consumer).await;
    assert_eq!(fifth.payload, b"mail 4");
    let taken = claim_of("mail 5").await.expect("claimed with mail 4");
    outbox_entity::Entity::update_many()
        .col_expr(
            outbox_entity::Column::ClaimedUntil,
            sea_orm::sea_query::Expr::value(taken + 1),
        )
        .filter(sea_orm::ColumnTrait::eq(
            &outbox_entity::Column::Payload,
            b"mail 5".to_vec(),
        ))
        .exec(&app.db)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5500)).await;
    fifth.ack().await.unwrap();
    assert!(
        next_within(&mut consumer, Duration::from_secs(1))
            .await
            .is_none(),
        "a row another process holds is left to it"
    );
    assert_eq!(claim_of("mail 5").await, Some(taken + 1));

    // Closing gives back what was claimed ahead: it is due at once elsewhere.
    for i in 6..8 {
        queue
            .publish(WorkKind::Email, format!("mail {i}").as_bytes())
            .await
            .unwrap();
    }
    let sixth = next_one(&mut consumer).await;
    assert_eq!(sixth.payload, b"mail 6");
    assert!(claim_of("mail 7").await.is_some(), "claimed ahead");
    consumer.close().await;
    assert!(claim_of("mail 7").await.is_none(), "given back");
    assert!(
        claim_of("mail 6").await.is_some(),
        "the one in hand stays claimed"
    );
    sixth.ack().await.unwrap();
    outbox_entity::Entity::delete_many()
        .exec(&app.db)
        .await
        .unwrap();
}

mod claimed_ahead {
    crate::on_both_databases!(rows_claimed_ahead_are_renewed_or_given_up);
    use super::rows_claimed_ahead_are_renewed_or_given_up;
}

/// Regression: a handler that panicked lost its delivery's settlement (the work sat
/// unacknowledged until the process restarted); now it is retried like a failure.
#[tokio::test]
async fn a_panicking_handler_has_its_work_retried() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    let queue = Queue::InProcess(InProcess::new());
    queue.publish(WorkKind::Email, b"welcome").await.unwrap();
    let attempts = Arc::new(AtomicU32::new(0));
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let done_tx = Arc::new(std::sync::Mutex::new(Some(done_tx)));
    let stop = tokio_util::sync::CancellationToken::new();
    let served = tokio::spawn(monitron_server::queue::serve(
        queue.clone(),
        WorkKind::Email,
        2,
        stop.clone(),
        {
            let attempts = attempts.clone();
            move |payload: Vec<u8>, attempt: u32| {
                let attempts = attempts.clone();
                let done_tx = done_tx.clone();
                async move {
                    attempts.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(payload, b"welcome");
                    if attempt == 1 {
                        panic!("a bug in the handler");
                    }
                    if let Some(tx) = done_tx.lock().unwrap().take() {
                        let _ = tx.send(attempt);
                    }
                    monitron_server::queue::Handled::Done
                }
            }
        },
    ));
    let attempt = tokio::time::timeout(Duration::from_secs(10), done_rx)
        .await
        .expect("retried after the panic")
        .unwrap();
    assert_eq!((attempt, attempts.load(Ordering::SeqCst)), (2, 2));
    stop.cancel();
    served.await.unwrap();
}

/// Regression: the in-process queue was unbounded, so check jobs published faster than
/// they were run (or with no worker at all) grew it without limit.
#[tokio::test]
async fn a_full_in_process_queue_refuses_instead_of_growing() {
    let queue = Queue::InProcess(InProcess::new());
    let jobs = vec![b"job".to_vec(); in_process::CAPACITY + 5];
    let published = queue.publish_many(WorkKind::Check, jobs).await;
    assert_eq!(
        (published.accepted, published.refused, published.error),
        (in_process::CAPACITY, 5, None)
    );
    assert_eq!(
        queue.depth(WorkKind::Check).await.unwrap() as usize,
        in_process::CAPACITY
    );
}

/// Regression: the scheduler published check jobs one at a time, waiting for each
/// confirmation; a round of due jobs now goes out together.
#[tokio::test]
async fn rabbitmq_takes_a_round_of_jobs_at_once() {
    let Some(rabbit) = rabbit().await else { return };
    let queue = Queue::RabbitMq(rabbit.clone());
    let jobs: Vec<Vec<u8>> = (0..2000).map(|i| format!("job {i}").into_bytes()).collect();
    let started = Instant::now();
    let published = queue.publish_many(WorkKind::Check, jobs).await;
    let took = started.elapsed();
    assert_eq!((published.accepted, published.refused), (2000, 0));
    let mut consumer = queue.consume(WorkKind::Check, 500).await.unwrap();
    for i in 0..2000 {
        let d = next_within(&mut consumer, Duration::from_secs(5))
            .await
            .expect("every job delivered");
        assert_eq!(d.payload, format!("job {i}").as_bytes());
        d.ack().await.unwrap();
    }
    eprintln!("2000 confirmed check jobs published in {took:?}");
    rabbit.delete_queues().await.unwrap();
    rabbit.close().await.unwrap();
}

/// With RabbitMQ, durable work written to the outbox is handed to the broker and only
/// then removed from the outbox.
async fn the_outbox_is_relayed_to_rabbitmq(backend: crate::helpers::Backend) {
    let Some(app) = crate::helpers::spawn_app(backend).await else {
        return;
    };
    let Some(rabbit) = rabbit().await else { return };
    let outbox_handle = Outbox::new(app.db.clone());
    let rabbit = rabbit.with_outbox(outbox_handle.clone());
    let stop = tokio_util::sync::CancellationToken::new();
    let relay = tokio::spawn(outbox::relay(outbox_handle, rabbit.clone(), stop.clone()));
    outbox::enqueue(&app.db, WorkKind::Report, b"tell someone".to_vec())
        .await
        .unwrap();
    let queue = Queue::RabbitMq(rabbit.clone());
    queue.wake();
    let mut consumer = queue.consume(WorkKind::Report, 1).await.unwrap();
    let delivery = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("relayed to RabbitMQ");
    assert_eq!(
        (delivery.payload.as_slice(), delivery.attempt),
        (b"tell someone".as_slice(), 1)
    );
    delivery.ack().await.unwrap();
    let started = Instant::now();
    while Outbox::new(app.db.clone())
        .depth(WorkKind::Report)
        .await
        .unwrap()
        > 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still in the outbox"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.cancel();
    relay.await.unwrap();
    rabbit.delete_queues().await.unwrap();
    rabbit.close().await.unwrap();
}

mod relay {
    crate::on_both_databases!(the_outbox_is_relayed_to_rabbitmq);
    use super::the_outbox_is_relayed_to_rabbitmq;
}
