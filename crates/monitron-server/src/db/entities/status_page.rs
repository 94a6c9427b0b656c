//! A status page: components arranged in sections, public or private.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "status_pages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    /// `public` or `private`.
    pub visibility: String,
    /// `light`, `dark` or `auto`.
    pub theme: String,
    /// 30 or 90.
    pub history_days: i32,
    /// `[{name, components: [{component_id, order}]}]`.
    pub sections: Json,
    pub footer: Option<String>,
    pub logo_url: Option<String>,
    pub custom_domain: Option<String>,
    pub report_channel_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
