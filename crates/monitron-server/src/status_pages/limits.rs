//! The daily limits of what visitors may send: reports (10 per address, 1,000 per page)
//! and subscriptions (5 per address, one confirmation mail per address). A day is a UTC
//! calendar day; the counts are the stored rows, so every process agrees on them.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::db::entities::{status_report, status_subscriber};

/// Reports one address may send in a day.
pub const REPORTS_PER_IP: u64 = 10;
/// Reports one page takes in a day.
pub const REPORTS_PER_PAGE: u64 = 1000;
/// Subscriptions one address may ask for in a day.
pub const SUBSCRIBES_PER_IP: u64 = 5;

/// The start of `now`'s UTC day.
pub fn day_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
}

/// Seconds until the next UTC day begins (at least 1).
pub fn retry_after_s(now: DateTime<Utc>) -> u64 {
    let next = day_start(now) + Duration::days(1);
    u64::try_from((next - now).num_seconds())
        .unwrap_or(1)
        .max(1)
}

/// Why a visitor's request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// This address sent enough today.
    Address,
    /// The page took enough today.
    Page,
}

/// Whether a report from `ip` to `page` is within today's limits.
pub async fn report(
    db: &impl ConnectionTrait,
    page: Uuid,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<Option<Exceeded>, DbErr> {
    let since = day_start(now);
    let from_ip = status_report::Entity::find()
        .filter(status_report::Column::Ip.eq(ip))
        .filter(status_report::Column::CreatedAt.gte(since))
        .count(db)
        .await?;
    if from_ip >= REPORTS_PER_IP {
        return Ok(Some(Exceeded::Address));
    }
    let to_page = status_report::Entity::find()
        .filter(status_report::Column::PageId.eq(page))
        .filter(status_report::Column::CreatedAt.gte(since))
        .count(db)
        .await?;
    Ok((to_page >= REPORTS_PER_PAGE).then_some(Exceeded::Page))
}

/// Whether `ip` may ask for another subscription today.
pub async fn subscribe(
    db: &impl ConnectionTrait,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<Option<Exceeded>, DbErr> {
    let from_ip = status_subscriber::Entity::find()
        .filter(status_subscriber::Column::Ip.eq(ip))
        .filter(status_subscriber::Column::CreatedAt.gte(day_start(now)))
        .count(db)
        .await?;
    Ok((from_ip >= SUBSCRIBES_PER_IP).then_some(Exceeded::Address))
}

/// Whether another confirmation mail may go to an address last mailed at `sent`.
pub fn confirmation_due(sent: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    sent.is_none_or(|sent| sent < day_start(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn days_are_utc_calendar_days() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 23, 59, 30).unwrap();
        assert_eq!(
            day_start(now),
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(retry_after_s(now), 30);
        assert!(!confirmation_due(Some(day_start(now)), now));
        assert!(confirmation_due(
            Some(day_start(now) - Duration::seconds(1)),
            now
        ));
        assert!(confirmation_due(None, now));
    }
}
