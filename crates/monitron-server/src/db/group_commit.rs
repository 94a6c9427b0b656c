//! Group commit: many small writes from concurrent tasks made in one go. Each caller
//! queues its change and waits for the write turn; whoever gets the turn writes every
//! change queued so far, in one statement or transaction, and tells each caller how it
//! went. On SQLite every separate write waits for the one write lock (behind the result
//! writer's batches); a burst of notification deliveries then takes the lock once per
//! group instead of once per delivery.

use std::future::Future;
use std::sync::Mutex;

use sea_orm::DbErr;
use tokio::sync::oneshot;

type Waiter = oneshot::Sender<Result<(), String>>;

/// Changes of type `T` waiting for the next write.
pub struct GroupCommit<T> {
    pending: Mutex<Vec<(T, Waiter)>>,
    turn: tokio::sync::Mutex<()>,
}

impl<T> Default for GroupCommit<T> {
    fn default() -> Self {
        Self {
            pending: Mutex::new(Vec::new()),
            turn: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> GroupCommit<T> {
    /// Queues `change` and returns once it is written, by this call's `write` or by an
    /// earlier caller's, which took it along.
    pub async fn submit<F, Fut>(&self, change: T, write: F) -> Result<(), DbErr>
    where
        F: FnOnce(Vec<T>) -> Fut,
        Fut: Future<Output = Result<(), DbErr>>,
    {
        let (done, written) = oneshot::channel();
        self.lock_pending().push((change, done));
        {
            let _turn = self.turn.lock().await;
            let group = std::mem::take(&mut *self.lock_pending());
            if !group.is_empty() {
                let (changes, waiters): (Vec<T>, Vec<Waiter>) = group.into_iter().unzip();
                let outcome = write(changes).await.map_err(|e| e.to_string());
                for waiter in waiters {
                    let _ = waiter.send(outcome.clone());
                }
            }
        }
        match written.await {
            Ok(outcome) => outcome.map_err(DbErr::Custom),
            // The caller that took it along was cancelled mid-write.
            Err(_) => Err(DbErr::Custom("the grouped write was interrupted".into())),
        }
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Vec<(T, Waiter)>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn concurrent_changes_share_writes_and_each_learns_the_outcome() {
        let group = Arc::new(GroupCommit::<u32>::default());
        let writes = Arc::new(AtomicUsize::new(0));
        let written = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let (group, writes, written) = (group.clone(), writes.clone(), written.clone());
                tokio::spawn(async move {
                    group
                        .submit(i, |changes| async move {
                            writes.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                            if changes.contains(&13) {
                                return Err(DbErr::Custom("thirteen".into()));
                            }
                            written.lock().unwrap().extend(changes);
                            Ok(())
                        })
                        .await
                        .is_ok()
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            ok += usize::from(t.await.unwrap());
        }
        let mut written = written.lock().unwrap().clone();
        written.sort_unstable();
        assert!(writes.load(Ordering::SeqCst) < 50, "writes were shared");
        assert_eq!(ok, written.len(), "every caller told the truth");
        assert!(!written.contains(&13));
        assert!(ok < 50);
    }
}
