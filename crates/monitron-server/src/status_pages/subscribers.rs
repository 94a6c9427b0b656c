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
