//! The scheduler lease: a row in `leases` naming the process that schedules and until
//! when. The holder renews it every few seconds; when it stops renewing (crashed, killed,
//! partitioned), another process takes it over once it expires. Works the same on SQLite
//! and PostgreSQL, so it is tested everywhere.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

/// The lease's name.
pub const SCHEDULER: &str = "scheduler";

/// Takes or renews the lease for `holder` until `now + ttl_ms`. True when `holder` holds
/// it afterwards.
pub async fn acquire(
    db: &DatabaseConnection,
    name: &str,
    holder: &str,
    now_ms: i64,
    ttl_ms: i64,
) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let updated = db
        .execute(crate::db::statement(
            backend,
            "UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR expires_at < ?)",
            [
                holder.into(),
                (now_ms + ttl_ms).into(),
                name.into(),
                holder.into(),
                now_ms.into(),
            ],
        ))
        .await?
        .rows_affected();
    if updated == 1 {
        return Ok(true);
    }
    let inserted = db
        .execute(crate::db::statement(
            backend,
            "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
            [name.into(), holder.into(), (now_ms + ttl_ms).into()],
        ))
        .await?
        .rows_affected();
    Ok(inserted == 1)
}

/// Gives the lease up at once (clean shutdown), so a standby takes over without waiting.
pub async fn release(db: &DatabaseConnection, name: &str, holder: &str) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute(crate::db::statement(
        backend,
        "UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?",
        [name.into(), holder.into()],
    ))
    .await?;
    Ok(())
}
