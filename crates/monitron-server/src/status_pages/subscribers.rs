//! What subscribers receive: the confirmation mail, and a mail for every incident,
//! incident update and announcement posted on their page. Mails go through the durable
//! queue in the transaction of the change, and every one carries a one-click
//! unsubscribe link.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::links::{Purpose, Signer};
use super::{Impact, IncidentStatus};
use crate::cipher::Cipher;
use crate::db::entities::{status_page, status_page_incident, status_subscriber};
use crate::mail::{self, Email};

/// Where a subscriber ends the subscription.
pub fn unsubscribe_url(
    signer: &Signer,
    public_url: &str,
    page: &status_page::Model,
    subscriber: &status_subscriber::Model,
) -> String {
    format!(
        "{public_url}/status/{}/unsubscribe/{}",
        page.slug,
        signer.token(Purpose::Unsubscribe, subscriber.id)
    )
}

/// The mail that asks a new subscriber to confirm.
pub fn confirmation(
    signer: &Signer,
    public_url: &str,
    page: &status_page::Model,
    subscriber: &status_subscriber::Model,
) -> Email {
    let confirm = format!(
        "{public_url}/status/{}/confirm/{}",
        page.slug,
        signer.token(Purpose::Confirm, subscriber.id)
    );
    Email {
        to: subscriber.email.clone(),
        subject: format!("Confirm your subscription to {}", page.title),
        body: format!(
            "Someone, hopefully you, asked to receive the incidents and maintenance of \
             {title} by e-mail.\n\nConfirm with this link:\n{confirm}\n\nIf it was not you, \
             ignore this mail: nothing is sent until the link is opened.\n\nUnsubscribe: {unsubscribe}\n",
            title = page.title,
            unsubscribe = unsubscribe_url(signer, public_url, page, subscriber),
        ),
    }
}

/// Queues a mail about `incident` (just posted or updated with `message`) to every
/// confirmed subscriber of its page, in the caller's transaction.
pub async fn notify_incident(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    pages: &super::StatusPages,
    page: &status_page::Model,
    incident: &status_page_incident::Model,
    message: &str,
    first: bool,
) -> Result<usize, DbErr> {
    let (signer, public_url) = (pages.signer(), pages.public_url());
    let subscribers = status_subscriber::Entity::find()
        .filter(status_subscriber::Column::PageId.eq(page.id))
        .filter(status_subscriber::Column::ConfirmedAt.is_not_null())
        .all(db)
        .await?;
    let status = IncidentStatus::parse(&incident.status);
    let impact = Impact::parse(&incident.impact);
    let subject = if first {
        format!("[{}] {}", page.title, incident.title)
    } else {
        format!("[{}] {}: {}", page.title, status.label(), incident.title)
    };
    let link = format!("{public_url}/status/{}#incident-{}", page.slug, incident.id);
    for s in &subscribers {
        let body = format!(
            "{title}\n{status} · {impact}\n\n{message}\n\nFollow it on the status page:\n{link}\n\n\
             You receive this because you subscribed to {page}.\nUnsubscribe with one click: {unsubscribe}\n",
            title = incident.title,
            status = status.label(),
            impact = impact.label(),
            page = page.title,
            unsubscribe = unsubscribe_url(signer, public_url, page, s),
        );
        mail::enqueue(
            db,
            cipher,
            &Email {
                to: s.email.clone(),
                subject: subject.clone(),
                body,
            },
        )
        .await?;
    }
    Ok(subscribers.len())
}

/// Queues a mail about maintenance window `window` (just planned or moved) to the
/// confirmed subscribers of every page that shows a monitor it covers, in the caller's
/// transaction. Nothing is sent for a window with no occurrence in the coming year.
pub async fn notify_maintenance(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    pages: &super::StatusPages,
    engine: &crate::engine::Engine,
    window: &crate::alerting::maintenance::Window,
    description: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, DbErr> {
    let Some((start, end)) = window
        .schedule
        .occurrences(
            window.tz,
            now - chrono::Duration::days(1),
            now + chrono::Duration::days(366),
        )
        .into_iter()
        .find(|(_, end)| *end > now)
    else {
        return Ok(0);
    };
    let registry = pages.registry();
    let catalog = engine.catalog();
    let covered: Vec<uuid::Uuid> = registry
        .pages_of_monitor
        .keys()
        .filter(|id| {
            catalog
                .get(**id)
                .is_some_and(|m| window.covers(m.id, m.kind, m.group.as_deref(), &m.labels))
        })
        .copied()
        .collect();
    if covered.is_empty() {
        return Ok(0);
    }
    let components = crate::db::entities::status_component::Entity::find()
        .filter(
            crate::db::entities::status_component::Column::TargetId.is_in(covered.iter().copied()),
        )
        .all(db)
        .await?;
    let mut page_ids: Vec<uuid::Uuid> = covered
        .iter()
        .flat_map(|m| {
            registry
                .pages_of_monitor
                .get(m)
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    page_ids.sort();
    page_ids.dedup();
    let (signer, public_url) = (pages.signer(), pages.public_url());
    let when = |t: chrono::DateTime<chrono::Utc>| t.format("%-d %b %Y %H:%M UTC").to_string();
    let mut sent = 0;
    for page in page_ids.iter().filter_map(|id| registry.pages.get(id)) {
        let on_page = super::component_ids(&super::sections_of(&page.sections));
        let names: Vec<&str> = components
            .iter()
            .filter(|c| on_page.contains(&c.id))
            .map(|c| c.display_name.as_str())
            .collect();
        let subscribers = status_subscriber::Entity::find()
            .filter(status_subscriber::Column::PageId.eq(page.id))
            .filter(status_subscriber::Column::ConfirmedAt.is_not_null())
            .all(db)
            .await?;
        for s in &subscribers {
            let body = format!(
                "Scheduled maintenance: {name}\nFrom {start} to {end}\n{description}Affected: {affected}\n\n\
                 Follow it on the status page:\n{public_url}/status/{slug}\n\n\
                 You receive this because you subscribed to {page}.\nUnsubscribe with one click: {unsubscribe}\n",
                name = window.name,
                start = when(start),
                end = when(end),
                description = description.map(|d| format!("\n{d}\n\n")).unwrap_or_default(),
                affected = names.join(", "),
                slug = page.slug,
                page = page.title,
                unsubscribe = unsubscribe_url(signer, public_url, page, s),
            );
            mail::enqueue(
                db,
                cipher,
                &Email {
                    to: s.email.clone(),
                    subject: format!("[{}] Scheduled maintenance: {}", page.title, window.name),
                    body,
                },
            )
            .await?;
            sent += 1;
        }
    }
    Ok(sent)
}
