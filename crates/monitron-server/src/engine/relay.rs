//! Live events for API processes that do not write the results themselves (split roles,
//! or workers spread over processes by RabbitMQ): the relay follows the monitor states
//! the writers store and turns each change into the same events a local writer sends.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::db::entities::monitor_state;
use crate::engine::Engine;
use crate::events::Event;
use crate::monitors::view::MonitorStatus;

/// How often stored states are read.
const POLL: Duration = Duration::from_secs(1);
/// States are re-read this far back, so a batch committed late is not missed.
const OVERLAP_MS: i64 = 3000;

/// What the relay last told about one monitor.
struct Told {
    checked_at: Option<DateTime<Utc>>,
    status: MonitorStatus,
}

/// Follows stored states until `stop`.
pub async fn run(engine: Engine, db: DatabaseConnection, stop: CancellationToken) {
    let mut since = Utc::now();
    let mut told: HashMap<Uuid, Told> = HashMap::new();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(POLL) => {}
        }
        let from = since - chrono::Duration::milliseconds(OVERLAP_MS);
        let rows = monitor_state::Entity::find()
            .filter(monitor_state::Column::UpdatedAt.gte(from))
            .order_by_asc(monitor_state::Column::UpdatedAt)
            .limit(20_000)
            .all(&db)
            .await;
        let rows = match rows {
            Ok(rows) => rows,
            Err(err) => {
                tracing::warn!(error = %err, "Reading monitor states for live events failed.");
                continue;
            }
        };
        for row in rows {
            since = since.max(row.updated_at);
            let status = MonitorStatus::parse(&row.status);
            let previous = told.get(&row.monitor_id);
            let new_result = row.last_checked_at.is_some()
                && previous.is_none_or(|t| t.checked_at != row.last_checked_at);
            let changed = previous.is_some_and(|t| t.status != status);
            let Some(monitor) = engine.catalog().get(row.monitor_id) else {
                continue;
            };
            if new_result {
                engine.broadcast(Event::Result {
                    monitor_id: row.monitor_id,
                    kind: monitor.kind,
                    group: monitor.group.clone(),
                    checked_at: row.last_checked_at.unwrap_or(row.updated_at),
                    status: if row.consecutive_failures > 0 {
                        "down"
                    } else {
                        "up"
                    },
                    response_ms: row.last_response_ms,
                    message: row.message.clone().unwrap_or_default(),
                });
            }
            if let (true, Some(previous)) = (changed, previous) {
                engine.broadcast(Event::Status {
                    monitor_id: row.monitor_id,
                    kind: monitor.kind,
                    group: monitor.group.clone(),
                    status,
                    previous: previous.status,
                    at: row.status_since.unwrap_or(row.updated_at),
                    message: row.message.clone().unwrap_or_default(),
                });
            }
            told.insert(
                row.monitor_id,
                Told {
                    checked_at: row.last_checked_at,
                    status,
                },
            );
        }
    }
}
