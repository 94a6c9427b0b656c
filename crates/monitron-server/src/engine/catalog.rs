//! Every monitor this process may run, held in memory with secrets opened, and kept in
//! step with the database.
//!
//! Changes made through this process's API reach it at once ([`Catalog::reload`]); changes
//! made by other processes are found by [`Catalog::sync`], which compares ids and
//! `updated_at` (one narrow indexed read) and loads only what changed.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use tokio::sync::watch;
use uuid::Uuid;

use crate::cipher::Cipher;
use crate::db::entities::monitor;
use crate::monitors::Runnable;

/// The monitors known to this process.
pub struct Catalog {
    monitors: RwLock<HashMap<Uuid, Arc<Runnable>>>,
    version: watch::Sender<u64>,
}

impl Default for Catalog {
    fn default() -> Self {
        Self {
            monitors: RwLock::default(),
            version: watch::channel(0).0,
        }
    }
}

impl Catalog {
    /// One monitor.
    pub fn get(&self, id: Uuid) -> Option<Arc<Runnable>> {
        self.monitors
            .read()
            .expect("catalog lock")
            .get(&id)
            .cloned()
    }

    /// Every monitor.
    pub fn all(&self) -> Vec<Arc<Runnable>> {
        self.monitors
            .read()
            .expect("catalog lock")
            .values()
            .cloned()
            .collect()
    }

    /// Notified whenever the catalog changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    fn changed(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    fn put(&self, row: &monitor::Model, cipher: &Cipher) {
        match Runnable::from_row(row, cipher) {
            Ok(r) => {
                self.monitors
                    .write()
                    .expect("catalog lock")
                    .insert(row.id, Arc::new(r));
            }
            Err(err) => {
                tracing::error!(monitor_id = %row.id, error = %format!("{err:#}"), "Monitor cannot be run (if its secrets do not open, was ENCRYPTION_KEY changed?).");
                self.monitors.write().expect("catalog lock").remove(&row.id);
            }
        }
    }

    /// Reloads one monitor (or forgets it when deleted).
    pub async fn reload(
        &self,
        db: &DatabaseConnection,
        cipher: &Cipher,
        id: Uuid,
    ) -> Result<(), sea_orm::DbErr> {
        match monitor::Entity::find_by_id(id).one(db).await? {
            Some(row) => self.put(&row, cipher),
            None => {
                self.monitors.write().expect("catalog lock").remove(&id);
            }
        }
        self.changed();
        Ok(())
    }

    /// Brings the catalog in step with the database; returns how many monitors changed.
    pub async fn sync(
        &self,
        db: &DatabaseConnection,
        cipher: &Cipher,
    ) -> Result<usize, sea_orm::DbErr> {
        let stamps: Vec<(Uuid, DateTime<Utc>)> = monitor::Entity::find()
            .select_only()
            .column(monitor::Column::Id)
            .column(monitor::Column::UpdatedAt)
            .into_tuple()
            .all(db)
            .await?;
        let (stale, gone): (Vec<Uuid>, Vec<Uuid>) = {
            let known = self.monitors.read().expect("catalog lock");
            let stale = stamps
                .iter()
                .filter(|(id, at)| known.get(id).is_none_or(|r| r.updated_at != *at))
                .map(|(id, _)| *id)
                .collect();
            let present: std::collections::HashSet<Uuid> =
                stamps.iter().map(|(id, _)| *id).collect();
            let gone = known
                .keys()
                .filter(|id| !present.contains(id))
                .copied()
                .collect();
            (stale, gone)
        };
        for chunk in crate::history::store::shaped_chunks(&stale, 256) {
            let rows = monitor::Entity::find()
                .filter(monitor::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?;
            for row in &rows {
                self.put(row, cipher);
            }
        }
        if !gone.is_empty() {
            let mut known = self.monitors.write().expect("catalog lock");
            for id in &gone {
                known.remove(id);
            }
        }
        let changes = stale.len() + gone.len();
        if changes > 0 {
            self.changed();
        }
        Ok(changes)
    }
}
