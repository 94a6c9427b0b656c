//! The outbox: durable work written in the caller's transaction ([`enqueue`]), so that a
//! crash between "the change is committed" and "the work is queued" loses nothing, and
//! what was promised to someone (a password-reset e-mail, a notification) survives a
//! restart.
//!
//! With the in-process queue the outbox is the queue of durable kinds: [`Consumer`]s
//! claim due rows (a lease, so two processes never hold the same row), a done delivery
//! deletes its row, a retried one waits in it until its delay has passed, and a spent one
//! stays as a dead letter. With RabbitMQ, [`relay`] publishes each row to its durable
//! queue (confirmed) and then deletes it.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Delivery, Handle, Retried, WorkKind};
use crate::db::entities::outbox;
use crate::db::group_commit::GroupCommit;

/// How long a claimed row belongs to the process that claimed it: longer than any unit of
/// durable work takes (an SMTP delivery gives up after 20 s, a provider after 25 s). A
/// process that dies with a claim leaves the row to others once this passes, so it is
/// also the longest a crash delays a notification.
pub const CLAIM_LEASE: Duration = Duration::from_secs(60);
/// How often the outbox is read for work written by other processes or come due.
const POLL: Duration = Duration::from_secs(1);
/// How long the relay waits after RabbitMQ refused work.
const RELAY_BACKOFF: Duration = Duration::from_secs(2);
/// Rows claimed in one read.
const CLAIM_BATCH: u64 = 100;
/// A claimed row that waited this long for a free slot is claimed afresh before its
/// handler starts (the handler may take [`super::HANDLER_TIMEOUT`]).
const RENEW_AFTER_MS: i64 = 5_000;
const _: () = assert!(
    RENEW_AFTER_MS / 1000 + (super::HANDLER_TIMEOUT.as_secs() as i64)
        < (CLAIM_LEASE.as_secs() as i64)
);
/// How much of a failure's message is kept with the row.
const MAX_ERROR_CHARS: usize = 1000;

const PENDING: &str = "pending";
const DEAD: &str = "dead";

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn lease_ms() -> i64 {
    i64::try_from(CLAIM_LEASE.as_millis()).unwrap_or(i64::MAX)
}

/// Writes durable work of `kind` in the caller's transaction; it is delivered once the
/// transaction commits (call [`Outbox::wake`] then, so this process starts at once).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    kind: WorkKind,
    payload: Vec<u8>,
) -> Result<Uuid, sea_orm::DbErr> {
    debug_assert!(kind.durable(), "only durable work goes through the outbox");
    let id = Uuid::now_v7();
    outbox::ActiveModel {
        id: Set(id),
        kind: Set(kind.name().to_owned()),
        payload: Set(payload),
        attempt: Set(1),
        status: Set(PENDING.to_owned()),
        not_before: Set(now_ms()),
        claimed_until: Set(None),
        last_error: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Deletes the rows of `ids` that `claim` still holds; answers how many.
async fn delete_claimed(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    claim: i64,
) -> Result<u64, sea_orm::DbErr> {
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::Id.is_in(ids.iter().copied()))
        .filter(outbox::Column::ClaimedUntil.eq(claim))
        .exec(db)
        .await?
        .rows_affected)
}

/// Row ids grouped by the claim that holds them (the claim is part of every settling
/// statement's condition).
fn by_claim(
    rows: impl IntoIterator<Item = (Uuid, i64)>,
) -> std::collections::BTreeMap<i64, Vec<Uuid>> {
    let mut grouped: std::collections::BTreeMap<i64, Vec<Uuid>> = Default::default();
    for (id, claim) in rows {
        grouped.entry(claim).or_default().push(id);
    }
    grouped
}

/// The outbox of one database, with a signal for work written by this process.
#[derive(Clone)]
pub struct Outbox {
    db: DatabaseConnection,
    wake: Arc<Notify>,
    /// Done rows waiting to be deleted together.
    settled: Arc<GroupCommit<(Uuid, i64)>>,
}

impl Outbox {
    /// The outbox in `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            wake: Arc::default(),
            settled: Arc::default(),
        }
    }

    /// Tells this process's consumers and relay that work was committed.
    pub fn wake(&self) {
        self.wake.notify_waiters();
    }

    /// Claims up to `limit` due rows of `kinds` for [`CLAIM_LEASE`], oldest first.
    async fn claim(
        &self,
        kinds: &[WorkKind],
        limit: u64,
    ) -> Result<Vec<outbox::Model>, sea_orm::DbErr> {
        let now = now_ms();
        let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        let claimable = || {
            Expr::col(outbox::Column::ClaimedUntil)
                .is_null()
                .or(Expr::col(outbox::Column::ClaimedUntil).lt(now))
        };
        // A plain read first: an idle outbox is read every second by every consumer and
        // relay, and only a read that finds work goes on to write (on SQLite, any update
        // takes the database's one write lock).
        let due: Vec<Uuid> = outbox::Entity::find()
            .select_only()
            .column(outbox::Column::Id)
            .filter(outbox::Column::Status.eq(PENDING))
            .filter(outbox::Column::Kind.is_in(names))
            .filter(outbox::Column::NotBefore.lte(now))
            .filter(claimable())
            .order_by_asc(outbox::Column::NotBefore)
            .order_by_asc(outbox::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        // The claim condition is repeated on the update itself, so a row another process
        // claimed since the read is skipped.
        let claim = Query::update()
            .table(outbox::Entity)
            .value(outbox::Column::ClaimedUntil, now + lease_ms())
            .and_where(Expr::col(outbox::Column::Id).is_in(due))
            .and_where(claimable())
            .returning_all()
            .to_owned();
        let backend = self.db.get_database_backend();
        let rows = self.db.query_all(backend.build(&claim)).await?;
        let mut claimed = rows
            .iter()
            .map(|row| outbox::Model::from_query_result(row, ""))
            .collect::<Result<Vec<_>, _>>()?;
        claimed.sort_by_key(|r| (r.not_before, r.id));
        Ok(claimed)
    }

    /// Deletes rows whose work is done, those their claim still holds, in one
    /// transaction; warns about the others (another process may deliver them again).
    async fn remove_done(&self, rows: Vec<(Uuid, i64)>) -> Result<(), sea_orm::DbErr> {
        let txn = crate::db::begin_write(&self.db).await?;
        let mut removed = 0;
        for (claim, ids) in by_claim(rows.iter().copied()) {
            removed += delete_claimed(&txn, &ids, claim).await?;
        }
        txn.commit().await?;
        let passed = rows.len() as u64 - removed;
        if passed > 0 {
            tracing::warn!(rows = passed, "Outbox work was settled after its claim passed; another process may deliver it again.");
        }
        Ok(())
    }

    /// Hands a row back, if `claim` still holds it: due again after `delay` as delivery
    /// `attempt`, or dead; `error` says why the last delivery failed.
    async fn hand_back(
        &self,
        id: Uuid,
        claim: i64,
        attempt: u32,
        outcome: Retried,
        error: &str,
    ) -> Result<bool, sea_orm::DbErr> {
        let (status, not_before) = match outcome {
            Retried::Later(delay) => (
                PENDING,
                now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2),
            ),
            Retried::DeadLettered => (DEAD, now_ms()),
        };
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        let updated = outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value(status))
            .col_expr(
                outbox::Column::Attempt,
                Expr::value(i32::try_from(attempt).unwrap_or(i32::MAX)),
            )
            .col_expr(outbox::Column::NotBefore, Expr::value(not_before))
            .col_expr(
                outbox::Column::ClaimedUntil,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(outbox::Column::LastError, Expr::value(error))
            .filter(outbox::Column::Id.eq(id))
            .filter(outbox::Column::ClaimedUntil.eq(claim))
            .exec(&self.db)
            .await?;
        Ok(updated.rows_affected == 1)
    }

    /// Extends this process's claim on a row that waited in a consumer's batch, so that a
    /// handler started now still finishes within the claim. `None` when the claim has
    /// passed (the row may be another process's now).
    async fn renew(&self, mut row: outbox::Model) -> Result<Option<outbox::Model>, sea_orm::DbErr> {
        let until = now_ms() + lease_ms();
        let renewed = outbox::Entity::update_many()
            .col_expr(outbox::Column::ClaimedUntil, Expr::value(until))
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::ClaimedUntil.eq(row.claimed_until))
            .exec(&self.db)
            .await?;
        if renewed.rows_affected == 0 {
            return Ok(None);
        }
        row.claimed_until = Some(until);
        Ok(Some(row))
    }

    /// Deletes rows handed to RabbitMQ, those `claim` still holds.
    async fn remove_all(&self, ids: &[Uuid], claim: i64) -> Result<(), sea_orm::DbErr> {
        if !ids.is_empty() {
            delete_claimed(&self.db, ids, claim).await?;
        }
        Ok(())
    }

    /// Gives claimed rows back untouched, so they are due again at once.
    async fn release(&self, ids: &[Uuid], claim: i64) -> Result<(), sea_orm::DbErr> {
        if ids.is_empty() {
            return Ok(());
        }
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::ClaimedUntil,
                Expr::value(Option::<i64>::None),
            )
            .filter(outbox::Column::Id.is_in(ids.iter().copied()))
            .filter(outbox::Column::ClaimedUntil.eq(claim))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Rows of `kind` waiting to be delivered.
    pub async fn depth(&self, kind: WorkKind) -> Result<u32, sea_orm::DbErr> {
        self.count(kind, PENDING).await
    }

    /// Dead rows of `kind`.
    pub async fn dead_letters(&self, kind: WorkKind) -> Result<u32, sea_orm::DbErr> {
        self.count(kind, DEAD).await
    }

    async fn count(&self, kind: WorkKind, status: &str) -> Result<u32, sea_orm::DbErr> {
        let n = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq(kind.name()))
            .filter(outbox::Column::Status.eq(status))
            .count(&self.db)
            .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Makes every dead row of `kind` due again with fresh attempts; returns how many.
    pub async fn replay_dead_letters(&self, kind: WorkKind) -> Result<u32, sea_orm::DbErr> {
        let replayed = outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value(PENDING))
            .col_expr(outbox::Column::Attempt, Expr::value(1))
            .col_expr(outbox::Column::NotBefore, Expr::value(now_ms()))
            .filter(outbox::Column::Kind.eq(kind.name()))
            .filter(outbox::Column::Status.eq(DEAD))
            .exec(&self.db)
            .await?
            .rows_affected;
        self.wake();
        Ok(u32::try_from(replayed).unwrap_or(u32::MAX))
    }

    /// Writes durable work outside any transaction (the queue's `publish`).
    pub async fn publish(&self, kind: WorkKind, payload: &[u8]) -> Result<(), sea_orm::DbErr> {
        enqueue(&self.db, kind, payload.to_vec()).await?;
        self.wake();
        Ok(())
    }

    /// Deliveries of `kind` from this outbox.
    pub fn consume(&self, kind: WorkKind, prefetch: u16) -> Consumer {
        Consumer {
            outbox: self.clone(),
            kind,
            in_flight: Arc::new(Semaphore::new(usize::from(prefetch.max(1)))),
            prefetch: u64::from(prefetch.max(1)),
            ready: std::collections::VecDeque::new(),
        }
    }
}

/// Deliveries of one durable kind from the outbox: at most `prefetch` unsettled, and as
/// many claimed ahead.
pub struct Consumer {
    outbox: Outbox,
    kind: WorkKind,
    in_flight: Arc<Semaphore>,
    prefetch: u64,
    /// Rows claimed and waiting for a free slot.
    ready: std::collections::VecDeque<outbox::Model>,
}

impl Consumer {
    pub(super) async fn next(&mut self) -> Option<anyhow::Result<Delivery>> {
        let permit = self.in_flight.clone().acquire_owned().await.ok()?;
        loop {
            if let Some(row) = self.ready.pop_front() {
                // A row that waited for a free slot gets a fresh claim first, so the
                // handler's whole time fits in it.
                let left = row.claimed_until.unwrap_or_default() - now_ms();
                if left > lease_ms() - RENEW_AFTER_MS {
                    return Some(Ok(self.delivery(row, permit)));
                }
                match self.outbox.renew(row).await {
                    Ok(Some(row)) => return Some(Ok(self.delivery(row, permit))),
                    Ok(None) => continue,
                    Err(err) => {
                        // Left to be claimed again once its claim passes.
                        tracing::warn!(kind = self.kind.name(), error = %err, "Renewing an outbox claim failed.");
                        continue;
                    }
                }
            }
            // Registered before the read, so a wake between the read and the wait is kept.
            let woken = self.outbox.wake.notified();
            // As many as may run at once: under a burst, one claim per round of deliveries
            // rather than one per freed slot (each claim is a write, and on SQLite it
            // waits for the one write lock).
            let room = self.prefetch.min(CLAIM_BATCH);
            match self.outbox.claim(&[self.kind], room).await {
                Ok(rows) if !rows.is_empty() => self.ready.extend(rows),
                Ok(_) => {
                    let _ = tokio::time::timeout(POLL, woken).await;
                }
                Err(err) => {
                    tracing::warn!(kind = self.kind.name(), error = %err, "Reading the outbox failed; retrying.");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }

    /// Gives back the rows claimed ahead and not yet handed out, so that another process
    /// (or this one after a restart) takes them at once rather than when their claim
    /// passes.
    pub(super) async fn close(self) {
        let rows = self
            .ready
            .iter()
            .map(|row| (row.id, row.claimed_until.unwrap_or_default()));
        for (claim, ids) in by_claim(rows) {
            if let Err(err) = self.outbox.release(&ids, claim).await {
                tracing::warn!(kind = self.kind.name(), error = %err, "Giving back claimed outbox work failed; it is taken again once its claim passes.");
            }
        }
    }

    fn delivery(&self, row: outbox::Model, permit: OwnedSemaphorePermit) -> Delivery {
        Delivery {
            payload: row.payload,
            attempt: u32::try_from(row.attempt).unwrap_or(1).max(1),
            kind: self.kind,
            handle: Handle::Outbox(Ack {
                outbox: self.outbox.clone(),
                id: row.id,
                claim: row.claimed_until.unwrap_or_default(),
                _permit: permit,
            }),
        }
    }
}

/// Settles one outbox delivery, while this process's claim on it holds. Once the claim
/// has passed the row may be another process's: it is left to that one.
pub struct Ack {
    outbox: Outbox,
    id: Uuid,
    claim: i64,
    _permit: OwnedSemaphorePermit,
}

impl Ack {
    pub(super) async fn ack(self) -> anyhow::Result<()> {
        let outbox = self.outbox.clone();
        self.outbox
            .settled
            .submit((self.id, self.claim), |rows| async move {
                outbox.remove_done(rows).await
            })
            .await?;
        Ok(())
    }

    pub(super) async fn retry(
        self,
        attempt: u32,
        outcome: Retried,
        error: &str,
    ) -> anyhow::Result<()> {
        if !self
            .outbox
            .hand_back(self.id, self.claim, attempt, outcome, error)
            .await?
        {
            self.claim_passed();
        }
        Ok(())
    }

    fn claim_passed(&self) {
        tracing::warn!(id = %self.id, "Outbox work was settled after its claim passed; another process may deliver it again.");
    }
}

/// Publishes every durable row to RabbitMQ (confirmed), then deletes it, until `stop`.
/// Runs in every process: any of them may write rows, and one that wrote them relays them
/// at once; rows left by a process that died are relayed by any other once their claim
/// expires.
pub async fn relay(outbox: Outbox, rabbit: super::RabbitMq, stop: CancellationToken) {
    let durable: Vec<WorkKind> = WorkKind::ALL.into_iter().filter(|k| k.durable()).collect();
    loop {
        let woken = outbox.wake.notified();
        let mut refused = false;
        match outbox.claim(&durable, CLAIM_BATCH).await {
            Ok(rows) if !rows.is_empty() => match relay_rows(&outbox, &rabbit, rows).await {
                Ok(()) => continue,
                // RabbitMQ is unreachable: the rest was released; try again shortly.
                Err(()) => refused = true,
            },
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "Reading the outbox failed."),
        }
        let idle = async {
            if refused {
                tokio::time::sleep(RELAY_BACKOFF).await;
            } else {
                let _ = tokio::time::timeout(POLL, woken).await;
            }
        };
        tokio::select! {
            () = stop.cancelled() => return,
            () = idle => {}
        }
    }
}

/// Publishes claimed rows together, then deletes those the broker confirmed and
/// releases the rest. `Err` when any was refused (RabbitMQ is likely unreachable).
async fn relay_rows(
    outbox: &Outbox,
    rabbit: &super::RabbitMq,
    rows: Vec<outbox::Model>,
) -> Result<(), ()> {
    // Rows claimed together share their claim.
    let claim = rows[0].claimed_until.unwrap_or_default();
    let rows: Vec<(WorkKind, outbox::Model)> = rows
        .into_iter()
        .filter_map(|row| Some((WorkKind::from_name(&row.kind)?, row)))
        .collect();
    let messages: Vec<(WorkKind, &[u8], u32)> = rows
        .iter()
        .map(|(kind, row)| {
            let attempt = u32::try_from(row.attempt).unwrap_or(1).max(1);
            (*kind, row.payload.as_slice(), attempt)
        })
        .collect();
    let results = rabbit.publish_batch(&messages).await;
    let (mut sent, mut unsent) = (Vec::new(), Vec::new());
    let mut error = None;
    for ((kind, row), result) in rows.iter().zip(results) {
        match result {
            Ok(()) => sent.push(row.id),
            Err(err) => {
                error.get_or_insert((kind.name(), err));
                unsent.push(row.id);
            }
        }
    }
    // Confirmed before deleting: a crash in between duplicates the work rather than
    // losing it.
    if let Err(err) = outbox.remove_all(&sent, claim).await {
        tracing::warn!(error = %err, "Removing relayed work from the outbox failed; it may be sent twice.");
    }
    let Some((kind, err)) = error else {
        return Ok(());
    };
    tracing::warn!(kind, error = %err, unsent = unsent.len(), "Handing durable work to RabbitMQ failed; it stays in the outbox.");
    if let Err(err) = outbox.release(&unsent, claim).await {
        tracing::warn!(error = %err, "Releasing unsent outbox work failed; it is tried again once its claim passes.");
    }
    Err(())
}
