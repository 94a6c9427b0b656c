//! Alerting: rules turn monitor results into alerts; alerts become notifications.
//!
//! - [`rules`]: targets, conditions and timing, as the engine reads them.
//! - [`evaluate`]: run by the result writer inside the transaction that stores a batch, so
//!   any number of worker processes agree and a restart loses nothing: alert state lives
//!   in the `alerts` table, one open row per (rule, target, subject).
//! - [`clock`]: the time-driven steps (`for_s` elapsing, reminders, cooldown ends, grouped
//!   digests), taken by the process holding the scheduler lease.
//! - [`notifying`]: which channels hear about an alert event, and the notification rows
//!   (with their outbox work) written in the same transaction.
//! - [`ack`]: the signed one-click acknowledgement links.
//!
//! Every process keeps the enabled rules and the channel list in memory ([`Alerting`]),
//! reloaded when this process changes them and every few seconds otherwise.

pub mod ack;
pub mod acknowledge;
pub mod clock;
pub mod delivery_failing;
pub mod escalation;
pub mod evaluate;
pub mod maintenance;
pub mod notifying;
pub mod resend;
pub mod rules;
pub mod uptime;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::db::entities::{alert, alert_rule, maintenance_window, notification_channel};
pub use ack::AckKeys;
pub use maintenance::Window;
pub use rules::{Condition, Rule, Selector, Severity};

/// The stored status of an alert.
pub mod status {
    /// Condition holds; waiting for `for_s`.
    pub const PENDING: &str = "pending";
    /// Notified.
    pub const FIRING: &str = "firing";
    /// Over.
    pub const RESOLVED: &str = "resolved";
    /// Held back: a monitor it depends on is down.
    pub const SUPPRESSED: &str = "suppressed";
}

/// Open alerts by (state, severity), for `monitron_alerts`.
pub async fn count_open(db: &impl ConnectionTrait) -> Result<Vec<(String, String, i64)>, DbErr> {
    use sea_orm::QuerySelect;
    alert::Entity::find()
        .select_only()
        .column(alert::Column::Status)
        .column(alert::Column::Severity)
        .column_as(alert::Column::Id.count(), "n")
        .filter(alert::Column::OpenKey.is_not_null())
        .group_by(alert::Column::Status)
        .group_by(alert::Column::Severity)
        .into_tuple()
        .all(db)
        .await
}

/// What the engine needs to know about a channel to route to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Channel id.
    pub id: Uuid,
    /// Channel type.
    pub channel_type: String,
    /// Receives alerts of rules that name no channel.
    pub is_default: bool,
    /// Grouping window (0: none).
    pub group_wait_s: u32,
}

struct Inner {
    rules: RwLock<Arc<Vec<Rule>>>,
    routes: RwLock<Arc<Vec<Route>>>,
    windows: RwLock<Arc<Vec<Window>>>,
    /// The windows open at a second (epoch seconds), recomputed when the second changes.
    open: RwLock<(i64, Arc<Vec<Window>>)>,
    ack: AckKeys,
    public_url: String,
    wake: Box<dyn Fn() + Send + Sync>,
    /// When this process last judged each (rule, series) of a latency rule, epoch ms.
    judged: std::sync::Mutex<HashMap<(Uuid, i64), i64>>,
}

/// Rules and routes in memory, the ack-link keys and the server's address. Cheap to clone.
#[derive(Clone)]
pub struct Alerting {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Alerting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alerting").finish_non_exhaustive()
    }
}

impl Alerting {
    /// Alerting with no rules loaded yet; `wake` tells the queue that notifications were
    /// committed to the outbox.
    pub fn new(ack: AckKeys, public_url: &str, wake: impl Fn() + Send + Sync + 'static) -> Self {
        Self {
            inner: Arc::new(Inner {
                rules: RwLock::default(),
                routes: RwLock::default(),
                windows: RwLock::default(),
                open: RwLock::new((i64::MIN, Arc::default())),
                ack,
                public_url: public_url.trim_end_matches('/').to_owned(),
                wake: Box::new(wake),
                judged: std::sync::Mutex::default(),
            }),
        }
    }

    /// Whether `rule` is due to be judged again for `series` (last judged `every_ms` or
    /// more ago, or never by this process), marking it judged now when it is.
    pub fn due_for_judging(&self, rule: Uuid, series: i64, now_ms: i64, every_ms: i64) -> bool {
        let mut judged = self.inner.judged.lock().unwrap_or_else(|e| e.into_inner());
        match judged.get(&(rule, series)) {
            Some(at) if now_ms - at < every_ms => false,
            _ => {
                judged.insert((rule, series), now_ms);
                true
            }
        }
    }

    /// The enabled rules.
    pub fn rules(&self) -> Arc<Vec<Rule>> {
        self.inner.rules.read().expect("rules lock").clone()
    }

    /// The enabled channels.
    pub fn routes(&self) -> Arc<Vec<Route>> {
        self.inner.routes.read().expect("routes lock").clone()
    }

    /// The active maintenance windows.
    pub fn windows(&self) -> Arc<Vec<Window>> {
        self.inner.windows.read().expect("windows lock").clone()
    }

    /// The active maintenance windows open at `now`.
    pub fn open_windows(&self, now: chrono::DateTime<chrono::Utc>) -> Arc<Vec<Window>> {
        let second = now.timestamp();
        {
            let open = self.inner.open.read().expect("windows lock");
            if open.0 == second {
                return open.1.clone();
            }
        }
        let windows = self.inner.windows.read().expect("windows lock").clone();
        let open: Arc<Vec<Window>> = Arc::new(
            windows
                .iter()
                .filter(|w| w.open_at(now).is_some())
                .cloned()
                .collect(),
        );
        *self.inner.open.write().expect("windows lock") = (second, open.clone());
        open
    }

    /// The open window that covers a monitor, if any.
    pub fn maintenance_of(
        &self,
        monitor: &crate::monitors::Runnable,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<Uuid> {
        self.open_windows(now)
            .iter()
            .find(|w| {
                w.covers(
                    monitor.id,
                    monitor.kind,
                    monitor.group.as_deref(),
                    &monitor.labels,
                )
            })
            .map(|w| w.id)
    }

    /// The ack-link keys.
    pub fn ack_keys(&self) -> &AckKeys {
        &self.inner.ack
    }

    /// The acknowledgement link of an alert.
    pub fn ack_url(&self, alert: Uuid) -> String {
        format!(
            "{}/ack/{}",
            self.inner.public_url,
            self.inner.ack.token(alert)
        )
    }

    /// Where the server is reached.
    pub fn public_url(&self) -> &str {
        &self.inner.public_url
    }

    /// Tells the queue that notifications were committed.
    pub fn wake(&self) {
        (self.inner.wake)();
    }

    /// Loads the enabled rules and channels.
    pub async fn reload(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let rules: Vec<Rule> = alert_rule::Entity::find()
            .filter(alert_rule::Column::Enabled.eq(true))
            .all(db)
            .await?
            .iter()
            .filter_map(Rule::from_row)
            .collect();
        let routes: Vec<Route> = notification_channel::Entity::find()
            .filter(notification_channel::Column::Enabled.eq(true))
            .all(db)
            .await?
            .into_iter()
            .map(|c| Route {
                id: c.id,
                channel_type: c.channel_type,
                is_default: c.is_default,
                group_wait_s: u32::try_from(c.group_wait_s).unwrap_or(0),
            })
            .collect();
        let windows: Vec<Window> = maintenance_window::Entity::find()
            .filter(maintenance_window::Column::Active.eq(true))
            .all(db)
            .await?
            .iter()
            .filter_map(Window::from_row)
            .collect();
        *self.inner.windows.write().expect("windows lock") = Arc::new(windows);
        self.inner.open.write().expect("windows lock").0 = i64::MIN;
        *self.inner.rules.write().expect("rules lock") = Arc::new(rules);
        *self.inner.routes.write().expect("routes lock") = Arc::new(routes);
        Ok(())
    }
}
