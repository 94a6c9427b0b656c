//! Status pages: reusable components that publish a monitor under a display name, pages
//! that arrange them in sections, the incidents and announcements posted on a page,
//! visitor reports and e-mail subscribers.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatusComponents {
    Table,
    Id,
    DisplayName,
    Description,
    TargetType,
    TargetId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StatusPages {
    Table,
    Id,
    Slug,
    Title,
    Description,
    Visibility,
    Theme,
    HistoryDays,
    Sections,
    Footer,
    LogoUrl,
    CustomDomain,
    ReportChannelId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StatusPageIncidents {
    Table,
    Id,
    PageId,
    Title,
    Status,
    Impact,
    Components,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    ResolvedAt,
}

#[derive(DeriveIden)]
enum StatusPageIncidentUpdates {
    Table,
    Id,
    IncidentId,
    Status,
    Message,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StatusReports {
    Table,
    Id,
    PageId,
    ComponentId,
    Reason,
    Message,
    Ip,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StatusSubscribers {
    Table,
    Id,
    PageId,
    Email,
    Ip,
    ConfirmedAt,
    ConfirmSentAt,
    CreatedAt,
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn timestamp_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create().name(name).table(table).to_owned();
    if unique {
        index.unique();
    }
    for col in cols {
        index.col(col);
    }
    m.create_index(index).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use StatusComponents as C;
        m.create_table(
            Table::create()
                .table(C::Table)
                .col(ColumnDef::new(C::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(C::DisplayName).string_len(200).not_null())
                .col(ColumnDef::new(C::Description).text().null())
                .col(ColumnDef::new(C::TargetType).string_len(16).not_null())
                .col(ColumnDef::new(C::TargetId).uuid().not_null())
                .col(ColumnDef::new(C::CreatedBy).uuid().null())
                .col(timestamp(C::CreatedAt))
                .col(timestamp(C::UpdatedAt))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "status_components_target_idx",
            C::Table,
            vec![C::TargetId.into_iden()],
            false,
        )
        .await?;

        use StatusPages as P;
        m.create_table(
            Table::create()
                .table(P::Table)
                .col(ColumnDef::new(P::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(P::Slug).string_len(64).not_null())
                .col(ColumnDef::new(P::Title).string_len(200).not_null())
                .col(ColumnDef::new(P::Description).text().null())
                .col(ColumnDef::new(P::Visibility).string_len(16).not_null())
                .col(ColumnDef::new(P::Theme).string_len(16).not_null())
                .col(ColumnDef::new(P::HistoryDays).integer().not_null())
                .col(ColumnDef::new(P::Sections).json().not_null())
                .col(ColumnDef::new(P::Footer).text().null())
                .col(ColumnDef::new(P::LogoUrl).string_len(2000).null())
                .col(ColumnDef::new(P::CustomDomain).string_len(253).null())
                .col(ColumnDef::new(P::ReportChannelId).uuid().null())
                .col(ColumnDef::new(P::CreatedBy).uuid().null())
                .col(timestamp(P::CreatedAt))
                .col(timestamp(P::UpdatedAt))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "status_pages_slug_idx",
            P::Table,
            vec![P::Slug.into_iden()],
            true,
        )
        .await?;
        index(
            m,
            "status_pages_custom_domain_idx",
            P::Table,
            vec![P::CustomDomain.into_iden()],
            true,
        )
        .await?;

        use StatusPageIncidents as I;
        m.create_table(
            Table::create()
                .table(I::Table)
                .col(ColumnDef::new(I::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(I::PageId).uuid().not_null())
                .col(ColumnDef::new(I::Title).string_len(200).not_null())
                .col(ColumnDef::new(I::Status).string_len(16).not_null())
                .col(ColumnDef::new(I::Impact).string_len(16).not_null())
                .col(ColumnDef::new(I::Components).json().not_null())
                .col(ColumnDef::new(I::CreatedBy).uuid().null())
                .col(timestamp(I::CreatedAt))
                .col(timestamp(I::UpdatedAt))
                .col(timestamp_null(I::ResolvedAt))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "status_page_incidents_page_idx",
            I::Table,
            vec![I::PageId.into_iden(), I::CreatedAt.into_iden()],
            false,
        )
        .await?;

        use StatusPageIncidentUpdates as U;
        m.create_table(
            Table::create()
                .table(U::Table)
                .col(ColumnDef::new(U::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(U::IncidentId).uuid().not_null())
                .col(ColumnDef::new(U::Status).string_len(16).not_null())
                .col(ColumnDef::new(U::Message).text().not_null())
                .col(ColumnDef::new(U::CreatedBy).uuid().null())
                .col(timestamp(U::CreatedAt))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "status_page_incident_updates_incident_idx",
            U::Table,
            vec![U::IncidentId.into_iden(), U::CreatedAt.into_iden()],
            false,
        )
        .await?;

        use StatusReports as R;
        m.create_table(
            Table::create()
                .table(R::Table)
                .col(ColumnDef::new(R::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(R::PageId).uuid().not_null())
                .col(ColumnDef::new(R::ComponentId).uuid().not_null())
                .col(ColumnDef::new(R::Reason).string_len(16).not_null())
                .col(ColumnDef::new(R::Message).text().null())
                .col(ColumnDef::new(R::Ip).string_len(64).null())
                .col(timestamp(R::CreatedAt))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "status_reports_page_idx",
            R::Table,
            vec![R::PageId.into_iden(), R::CreatedAt.into_iden()],
            false,
        )
        .await?;
        index(
            m,
            "status_reports_ip_idx",
            R::Table,
            vec![R::Ip.into_iden(), R::CreatedAt.into_iden()],
            false,
        )
        .await?;

        use StatusSubscribers as S;
        m.create_table(
            Table::create()
                .table(S::Table)
                .col(ColumnDef::new(S::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(S::PageId).uuid().not_null())
                .col(ColumnDef::new(S::Email).string_len(320).not_null())
                .col(ColumnDef::new(S::Ip).string_len(64).null())
                .col(timestamp_null(S::ConfirmedAt))
                .col(timestamp_null(S::ConfirmSentAt))
                .col(timestamp(S::CreatedAt))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "status_subscribers_page_email_idx",
            S::Table,
            vec![S::PageId.into_iden(), S::Email.into_iden()],
            true,
        )
        .await?;
        index(
            m,
            "status_subscribers_ip_idx",
            S::Table,
            vec![S::Ip.into_iden(), S::CreatedAt.into_iden()],
            false,
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StatusSubscribers::Table.into_iden(),
            StatusReports::Table.into_iden(),
            StatusPageIncidentUpdates::Table.into_iden(),
            StatusPageIncidents::Table.into_iden(),
            StatusPages::Table.into_iden(),
            StatusComponents::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
