//! Schema migrations, applied in order at start-up and by `monitron migrate`.
//! A released migration is never edited; changes come as a new one.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_monitoring;
mod m0003_instances;
mod m0004_outbox;
mod m0005_alerting;
mod m0006_result_marks;
mod m0007_live_tickets;
mod m0008_status_pages;

/// All migrations of the server.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_monitoring::Migration),
            Box::new(m0003_instances::Migration),
            Box::new(m0004_outbox::Migration),
            Box::new(m0005_alerting::Migration),
            Box::new(m0006_result_marks::Migration),
            Box::new(m0007_live_tickets::Migration),
            Box::new(m0008_status_pages::Migration),
        ]
    }
}
