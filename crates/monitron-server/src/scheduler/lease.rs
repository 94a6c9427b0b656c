//! The scheduler lease: a row in `leases` naming the process that schedules and until
//! when. The holder renews it every few seconds; when it stops renewing (crashed, killed,
//! partitioned), another process takes it over once it expires. Works the same on SQLite
//! and PostgreSQL, so it is tested everywhere.

use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

fn leases() -> Alias {
    Alias::new("leases")
}

fn col(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

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
    let renew = Query::update()
        .table(leases())
        .value(Alias::new("holder"), holder)
        .value(Alias::new("expires_at"), now_ms + ttl_ms)
        .and_where(col("name").eq(name))
        .and_where(col("holder").eq(holder).or(col("expires_at").lt(now_ms)))
        .to_owned();
    if db.execute(backend.build(&renew)).await?.rows_affected() == 1 {
        return Ok(true);
    }
    let take = Query::insert()
        .into_table(leases())
        .columns([
            Alias::new("name"),
            Alias::new("holder"),
            Alias::new("expires_at"),
        ])
        .values_panic([name.into(), holder.into(), (now_ms + ttl_ms).into()])
        .on_conflict(
            OnConflict::column(Alias::new("name"))
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(db.execute(backend.build(&take)).await?.rows_affected() == 1)
}

/// Gives the lease up at once (clean shutdown), so a standby takes over without waiting.
pub async fn release(db: &DatabaseConnection, name: &str, holder: &str) -> Result<(), DbErr> {
    let release = Query::update()
        .table(leases())
        .value(Alias::new("expires_at"), 0i64)
        .and_where(col("name").eq(name))
        .and_where(col("holder").eq(holder))
        .to_owned();
    db.execute(db.get_database_backend().build(&release))
        .await?;
    Ok(())
}
