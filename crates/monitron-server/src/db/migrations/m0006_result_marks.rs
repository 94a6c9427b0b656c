//! Results taken during a maintenance window are stored with a mark, so the raw history
//! tells them apart from the ones that count toward uptime and incidents.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // On PostgreSQL the column reaches every partition, and a constant default adds
        // it without rewriting stored rows.
        let sql = match m.get_database_backend() {
            DbBackend::Postgres => {
                "ALTER TABLE check_results ADD COLUMN maintenance BOOLEAN NOT NULL DEFAULT FALSE"
            }
            _ => "ALTER TABLE check_results ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0",
        };
        m.get_connection().execute_unprepared(sql).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("ALTER TABLE check_results DROP COLUMN maintenance")
            .await?;
        Ok(())
    }
}
