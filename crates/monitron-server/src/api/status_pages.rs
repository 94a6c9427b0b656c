//! `/api/v1/status-pages`: pages, their incidents and announcements, the reports
//! visitors filed and the addresses subscribed to them. A page's access follows the groups
//! of the monitors its components publish: a caller needs a role on every one of them.

use axum::extract::State;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::envelope::{self, ApiError, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::list::{ApiQuery, ListPage, PageParams, Paging};
use crate::api::me::Deleted;
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::api::status_components::group_of;
use crate::audit::{self, Entry};
use crate::auth::principal::Credential;
use crate::auth::{Principal, Role};
use crate::db::entities::{
    notification_channel, status_component, status_page, status_page_incident,
    status_page_incident_update, status_report, status_subscriber,
};
use crate::state::AppState;
use crate::status_pages::links::ViewGrant;
use crate::status_pages::{
    component_ids, parse_custom_domain, sections_of, subscribers, validate_slug, Impact,
    IncidentStatus, Section, Theme, Visibility,
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_pages, create_page))
        .routes(routes!(get_page, update_page, delete_page))
        .routes(routes!(view_link))
        .routes(routes!(list_incidents, create_incident))
        .routes(routes!(get_incident, update_incident, delete_incident))
        .routes(routes!(add_update))
        .routes(routes!(page_reports))
        .routes(routes!(all_reports))
        .routes(routes!(list_subscribers))
        .routes(routes!(delete_subscriber))
}

/// A page as sent: every field optional, so creation and changes share one shape (a
/// creation needs `slug` and `title`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PageInput {
    /// Address: `/status/{slug}`; lowercase letters, digits and hyphens, 2-64 characters.
    pub slug: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Shown under the title.
    pub description: Option<String>,
    /// `public` (default) or `private`.
    pub visibility: Option<Visibility>,
    /// `light`, `dark` or `auto` (default).
    pub theme: Option<Theme>,
    /// Days of history bars: 30 (default) or 90.
    pub history_days: Option<i32>,
    /// Sections with their components.
    pub sections: Option<Vec<Section>>,
    /// Footer text.
    pub footer: Option<String>,
    /// Logo (an http or https URL; empty clears it).
    pub logo_url: Option<String>,
    /// A host name that serves this page at `/` (empty clears it).
    pub custom_domain: Option<String>,
    /// Visitor reports are notified through this channel (null: not notified).
    #[serde(default, deserialize_with = "crate::api::json::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub report_channel_id: Option<Option<Uuid>>,
}

/// A page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageView {
    /// Id.
    pub id: Uuid,
    /// Address part.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Who may open it.
    pub visibility: Visibility,
    /// Colours.
    pub theme: Theme,
    /// Days of history bars.
    pub history_days: i32,
    /// Sections.
    pub sections: Vec<Section>,
    /// Footer.
    pub footer: Option<String>,
    /// Logo.
    pub logo_url: Option<String>,
    /// Custom domain.
    pub custom_domain: Option<String>,
    /// Channel for visitor reports.
    pub report_channel_id: Option<Uuid>,
    /// Where visitors open it.
    pub url: String,
    /// Confirmed subscribers.
    pub subscribers: u64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

async fn view(state: &AppState, row: &status_page::Model) -> Result<PageView, ApiError> {
    let subscribers = status_subscriber::Entity::find()
        .filter(status_subscriber::Column::PageId.eq(row.id))
        .filter(status_subscriber::Column::ConfirmedAt.is_not_null())
        .count(&state.db)
        .await?;
    Ok(PageView {
        id: row.id,
        slug: row.slug.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        visibility: Visibility::parse(&row.visibility),
        theme: Theme::parse(&row.theme),
        history_days: row.history_days,
        sections: sections_of(&row.sections),
        footer: row.footer.clone(),
        logo_url: row.logo_url.clone(),
        custom_domain: row.custom_domain.clone(),
        report_channel_id: row.report_channel_id,
        url: format!("{}/status/{}", state.status_pages.public_url(), row.slug),
        subscribers,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The groups of the monitors a page shows.
async fn groups_of_page(
    state: &AppState,
    db: &impl ConnectionTrait,
    sections: &[Section],
) -> Result<Vec<Option<String>>, ApiError> {
    let ids = component_ids(sections);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = status_component::Entity::find()
        .filter(status_component::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(rows.iter().map(|r| group_of(state, r)).collect())
}

/// The group of every component, read once for a listing over many pages.
async fn component_groups(
    state: &AppState,
) -> Result<std::collections::HashMap<Uuid, Option<String>>, ApiError> {
    Ok(status_component::Entity::find()
        .all(&state.db)
        .await?
        .iter()
        .map(|c| (c.id, group_of(state, c)))
        .collect())
}

/// The groups a page shows, from [`component_groups`].
fn groups_in(
    groups: &std::collections::HashMap<Uuid, Option<String>>,
    page: &status_page::Model,
) -> Vec<Option<String>> {
    component_ids(&sections_of(&page.sections))
        .iter()
        .filter_map(|id| groups.get(id).cloned())
        .collect()
}

/// Whether the caller holds `needed` on every group the page shows (an empty page: on
/// ungrouped things).
fn covers(principal: &Principal, groups: &[Option<String>], needed: Role) -> bool {
    if groups.is_empty() {
        return principal.require_in(None, needed, "status page").is_ok();
    }
    groups.iter().all(|g| {
        principal
            .require_in(g.as_deref(), needed, "status page")
            .is_ok()
    })
}

/// Editors (of some group) create pages and components.
pub fn require_some_editor(principal: &Principal) -> Result<(), ApiError> {
    if principal.access.role >= Role::Editor {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "You need the editor role to change status pages.".into(),
        ))
    }
}

async fn find(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    needed: Role,
) -> ApiResult<status_page::Model> {
    let row = status_page::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("status page"))?;
    let groups = groups_of_page(state, &state.db, &sections_of(&row.sections)).await?;
    if !covers(principal, &groups, Role::Viewer) {
        return Err(ApiError::NotFound("status page"));
    }
    if !covers(principal, &groups, needed) {
        return Err(ApiError::Forbidden(format!(
            "You need the {} role on every group this page shows.",
            needed.as_str()
        )));
    }
    Ok(row)
}

async fn apply(
    state: &AppState,
    principal: &Principal,
    input: PageInput,
    row: &mut status_page::ActiveModel,
    creating: bool,
) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    let id = *row.id.as_ref();
    match &input.slug {
        Some(slug) => match validate_slug(slug) {
            Ok(()) => {
                let taken = status_page::Entity::find()
                    .filter(status_page::Column::Slug.eq(slug.as_str()))
                    .filter(status_page::Column::Id.ne(id))
                    .count(&state.db)
                    .await?;
                if taken > 0 {
                    return Err(ApiError::conflict("slug", "is taken by another page"));
                }
                row.slug = Set(slug.clone());
            }
            Err(reason) => {
                errors.insert("slug".into(), reason);
            }
        },
        None if creating => {
            errors.insert("slug".into(), "is required".into());
        }
        None => {}
    }
    match &input.title {
        Some(title) => match crate::monitors::Name::parse(title) {
            Ok(t) => row.title = Set(t.into_inner()),
            Err(reason) => {
                errors.insert("title".into(), reason);
            }
        },
        None if creating => {
            errors.insert("title".into(), "is required".into());
        }
        None => {}
    }
    if let Some(description) = &input.description {
        match crate::monitors::parse_description(description) {
            Ok(d) => row.description = Set(d),
            Err(reason) => {
                errors.insert("description".into(), reason);
            }
        }
    }
    if let Some(footer) = &input.footer {
        match crate::monitors::parse_description(footer) {
            Ok(f) => row.footer = Set(f),
            Err(reason) => {
                errors.insert("footer".into(), reason);
            }
        }
    }
    if let Some(v) = input.visibility {
        row.visibility = Set(v.as_str().to_owned());
    }
    if let Some(t) = input.theme {
        row.theme = Set(t.as_str().to_owned());
    }
    if let Some(days) = input.history_days {
        if days == 30 || days == 90 {
            row.history_days = Set(days);
        } else {
            errors.insert("history_days".into(), "must be 30 or 90".into());
        }
    }
    if let Some(logo) = &input.logo_url {
        let logo = logo.trim();
        if logo.is_empty() {
            row.logo_url = Set(None);
        } else {
            match url::Url::parse(logo) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && logo.len() <= 2000 => {
                    row.logo_url = Set(Some(logo.to_owned()));
                }
                _ => {
                    errors.insert(
                        "logo_url".into(),
                        "must be an http or https URL of at most 2000 characters".into(),
                    );
                }
            }
        }
    }
    if let Some(domain) = &input.custom_domain {
        match parse_custom_domain(domain) {
            Ok(Some(host)) => {
                let taken = status_page::Entity::find()
                    .filter(status_page::Column::CustomDomain.eq(host.as_str()))
                    .filter(status_page::Column::Id.ne(id))
                    .count(&state.db)
                    .await?;
                if taken > 0 {
                    return Err(ApiError::conflict(
                        "custom_domain",
                        "is used by another page",
                    ));
                }
                row.custom_domain = Set(Some(host));
            }
            Ok(None) => row.custom_domain = Set(None),
            Err(reason) => {
                errors.insert("custom_domain".into(), reason);
            }
        }
    }
    if let Some(channel) = input.report_channel_id {
        if let Some(channel_id) = channel {
            if notification_channel::Entity::find_by_id(channel_id)
                .one(&state.db)
                .await?
                .is_none()
            {
                errors.insert("report_channel_id".into(), "no channel with this id".into());
            }
        }
        row.report_channel_id = Set(channel);
    }
    if let Some(sections) = input.sections {
        validate_sections(state, principal, &sections, &mut errors).await?;
        row.sections = Set(serde_json::to_value(&sections).expect("sections serialize"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

async fn validate_sections(
    state: &AppState,
    principal: &Principal,
    sections: &[Section],
    errors: &mut FieldErrors,
) -> Result<(), ApiError> {
    if sections.len() > 50 {
        errors.insert("sections".into(), "at most 50 sections".into());
        return Ok(());
    }
    let ids = component_ids(sections);
    if ids.len() > 500 {
        errors.insert("sections".into(), "at most 500 components on a page".into());
        return Ok(());
    }
    let known: std::collections::HashMap<Uuid, status_component::Model> = if ids.is_empty() {
        Default::default()
    } else {
        status_component::Entity::find()
            .filter(status_component::Column::Id.is_in(ids.iter().copied()))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect()
    };
    let mut seen = std::collections::HashSet::new();
    for (i, section) in sections.iter().enumerate() {
        if let Some(name) = &section.name {
            if name.chars().count() > 200 || name.chars().any(char::is_control) {
                errors.insert(
                    format!("sections[{i}].name"),
                    "must be at most 200 characters, without control characters".into(),
                );
            }
        }
        for (j, c) in section.components.iter().enumerate() {
            let field = format!("sections[{i}].components[{j}].component_id");
            match known.get(&c.component_id) {
                None => {
                    errors.insert(field, "no component with this id".into());
                }
                Some(_) if !seen.insert(c.component_id) => {
                    errors.insert(field, "is already on this page".into());
                }
                Some(component) => {
                    let group = group_of(state, component);
                    if principal
                        .require_in(group.as_deref(), Role::Editor, "component")
                        .is_err()
                    {
                        errors.insert(field, "no component with this id that you may edit".into());
                    }
                }
            }
        }
    }
    Ok(())
}

/// Filters of the page list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number.
    pub page: Option<u64>,
    /// Page size.
    pub per_page: Option<u64>,
    /// Only the page with this slug.
    pub slug: Option<String>,
}

/// List the pages the caller may see.
#[utoipa::path(get, path = "/api/v1/status-pages", tag = "status-pages", operation_id = "listStatusPages",
    params(PageQuery),
    responses((status = 200, description = "Pages", body = ListPage<PageView>)))]
async fn list_pages(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult {
    let paging = Paging::from_params(q.page, q.per_page)?;
    let mut query = status_page::Entity::find();
    if let Some(slug) = &q.slug {
        query = query.filter(status_page::Column::Slug.eq(slug.as_str()));
    }
    let rows = query
        .order_by_asc(status_page::Column::Title)
        .order_by_asc(status_page::Column::Id)
        .all(&state.db)
        .await?;
    let groups = component_groups(&state).await?;
    let mut visible = Vec::new();
    for row in rows {
        if covers(&principal, &groups_in(&groups, &row), Role::Viewer) {
            visible.push(row);
        }
    }
    let total = visible.len() as u64;
    let mut items = Vec::new();
    for row in visible
        .iter()
        .skip(paging.offset() as usize)
        .take(paging.per_page as usize)
    {
        items.push(view(&state, row).await?);
    }
    Ok(envelope::ok(ListPage {
        total,
        items,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Create a page (editors of every group it shows).
#[utoipa::path(post, path = "/api/v1/status-pages", tag = "status-pages", operation_id = "createStatusPage",
    request_body = PageInput,
    responses((status = 201, description = "Created", body = PageView)))]
async fn create_page(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(input): ApiJson<PageInput>,
) -> ApiResult {
    require_some_editor(&principal)?;
    let now = Utc::now();
    let mut row = status_page::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(String::new()),
        title: Set(String::new()),
        description: Set(None),
        visibility: Set(Visibility::Public.as_str().into()),
        theme: Set(Theme::Auto.as_str().into()),
        history_days: Set(30),
        sections: Set(serde_json::json!([])),
        footer: Set(None),
        logo_url: Set(None),
        custom_domain: Set(None),
        report_channel_id: Set(None),
        created_by: Set(Some(principal.user.id)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    apply(&state, &principal, input, &mut row, true).await?;
    let sections = sections_of(row.sections.as_ref());
    if !covers(
        &principal,
        &groups_of_page(&state, &state.db, &sections).await?,
        Role::Editor,
    ) {
        return Err(ApiError::Forbidden(
            "You need the editor role on every group the page shows; add components of your groups.".into(),
        ));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let row = row.insert(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "status_page.create")
            .target("status_page", row.id)
            .details(serde_json::json!({ "slug": row.slug, "title": row.title, "visibility": row.visibility })),
    )
    .await?;
    txn.commit().await?;
    state.status_pages.reload().await?;
    Ok(envelope::created(view(&state, &row).await?))
}

/// One page.
#[utoipa::path(get, path = "/api/v1/status-pages/{id}", tag = "status-pages", operation_id = "getStatusPage",
    params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "The page", body = PageView)))]
async fn get_page(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Viewer).await?;
    Ok(envelope::ok(view(&state, &row).await?))
}

/// Change a page (editors).
#[utoipa::path(patch, path = "/api/v1/status-pages/{id}", tag = "status-pages", operation_id = "updateStatusPage",
    params(("id" = Uuid, Path, description = "Page id")),
    request_body = PageInput,
    responses((status = 200, description = "Saved", body = PageView)))]
async fn update_page(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<PageInput>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Editor).await?;
    let mut active: status_page::ActiveModel = row.into();
    apply(&state, &principal, input, &mut active, false).await?;
    active.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(&state.db).await?;
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "status_page.update")
            .target("status_page", id)
            .details(serde_json::json!({ "slug": row.slug, "title": row.title, "visibility": row.visibility })),
    )
    .await?;
    txn.commit().await?;
    state.status_pages.reload().await?;
    Ok(envelope::ok(view(&state, &row).await?))
}

/// Delete a page with its incidents, reports and subscribers (editors).
#[utoipa::path(delete, path = "/api/v1/status-pages/{id}", tag = "status-pages", operation_id = "deleteStatusPage",
    params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_page(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Editor).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let incidents: Vec<Uuid> = status_page_incident::Entity::find()
        .filter(status_page_incident::Column::PageId.eq(id))
        .select_only()
        .column(status_page_incident::Column::Id)
        .into_tuple()
        .all(&txn)
        .await?;
    if !incidents.is_empty() {
        status_page_incident_update::Entity::delete_many()
            .filter(status_page_incident_update::Column::IncidentId.is_in(incidents))
            .exec(&txn)
            .await?;
    }
    status_page_incident::Entity::delete_many()
        .filter(status_page_incident::Column::PageId.eq(id))
        .exec(&txn)
        .await?;
    status_report::Entity::delete_many()
        .filter(status_report::Column::PageId.eq(id))
        .exec(&txn)
        .await?;
    status_subscriber::Entity::delete_many()
        .filter(status_subscriber::Column::PageId.eq(id))
        .exec(&txn)
        .await?;
    status_page::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "status_page.delete")
            .target("status_page", id)
            .details(serde_json::json!({ "slug": row.slug, "title": row.title })),
    )
    .await?;
    txn.commit().await?;
    state.status_pages.reload().await?;
    Ok(envelope::ok(Deleted { id }))
}

/// A link that opens a page in this browser session.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewLink {
    /// Open this within a minute; it sets a cookie for the page and redirects to it.
    pub url: String,
    /// Until when the cookie lets the page open (and while the session stands).
    pub expires_at: DateTime<Utc>,
}

/// How long a private page's view cookie holds.
pub const VIEW_COOKIE_HOURS: i64 = 12;

/// A signed link that opens a private page in the browser (sessions only).
#[utoipa::path(post, path = "/api/v1/status-pages/{id}/view", tag = "status-pages", operation_id = "statusPageViewLink",
    params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "The link", body = ViewLink)))]
async fn view_link(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Viewer).await?;
    let Credential::Session(session_id) = principal.credential else {
        return Err(ApiError::Forbidden(
            "View links are for browser sessions; scripts read the page's JSON with their credentials.".into(),
        ));
    };
    let expires_at = Utc::now() + Duration::hours(VIEW_COOKIE_HOURS);
    let token = state.status_pages.signer().view_token(ViewGrant {
        page_id: row.id,
        session_id,
        expires_at,
    });
    Ok(envelope::ok(ViewLink {
        url: format!("/status/{}?view={token}", row.slug),
        expires_at,
    }))
}

/// An incident or announcement as sent.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    /// Title.
    pub title: Option<String>,
    /// `investigating` (default), `identified`, `monitoring` or `resolved`.
    pub status: Option<IncidentStatus>,
    /// `none` (an announcement), `minor` (default), `major` or `critical`.
    pub impact: Option<Impact>,
    /// Affected components (on this page).
    pub components: Option<Vec<Uuid>>,
    /// The first update's text (required on creation).
    pub message: Option<String>,
}

/// An update as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInput {
    /// The incident's new status (default: unchanged).
    pub status: Option<IncidentStatus>,
    /// What changed.
    pub message: String,
}

/// An incident's update.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentUpdateView {
    /// Id.
    pub id: Uuid,
    /// Status as of this update.
    pub status: IncidentStatus,
    /// Text.
    pub message: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A page incident or announcement.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageIncidentView {
    /// Id.
    pub id: Uuid,
    /// Page.
    pub page_id: Uuid,
    /// Title.
    pub title: String,
    /// Status.
    pub status: IncidentStatus,
    /// Impact.
    pub impact: Impact,
    /// Affected components.
    pub components: Vec<Uuid>,
    /// Updates, newest first.
    pub updates: Vec<IncidentUpdateView>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Resolved.
    pub resolved_at: Option<DateTime<Utc>>,
}

async fn incident_view(
    db: &impl ConnectionTrait,
    row: &status_page_incident::Model,
) -> Result<PageIncidentView, ApiError> {
    let updates = status_page_incident_update::Entity::find()
        .filter(status_page_incident_update::Column::IncidentId.eq(row.id))
        .order_by_desc(status_page_incident_update::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(PageIncidentView {
        id: row.id,
        page_id: row.page_id,
        title: row.title.clone(),
        status: IncidentStatus::parse(&row.status),
        impact: Impact::parse(&row.impact),
        components: serde_json::from_value(row.components.clone()).unwrap_or_default(),
        updates: updates
            .into_iter()
            .map(|u| IncidentUpdateView {
                id: u.id,
                status: IncidentStatus::parse(&u.status),
                message: u.message,
                created_at: u.created_at,
            })
            .collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
        resolved_at: row.resolved_at,
    })
}

fn parse_message(raw: &str, errors: &mut FieldErrors) -> Option<String> {
    let text = raw.trim();
    if text.is_empty() {
        errors.insert("message".into(), "must not be empty".into());
        None
    } else if text.chars().count() > 5000 {
        errors.insert("message".into(), "must be at most 5000 characters".into());
        None
    } else {
        Some(text.to_owned())
    }
}

fn check_components(page: &status_page::Model, ids: &[Uuid], errors: &mut FieldErrors) {
    let on_page = component_ids(&sections_of(&page.sections));
    for (i, id) in ids.iter().enumerate() {
        if !on_page.contains(id) {
            errors.insert(
                format!("components[{i}]"),
                "is not a component of this page".into(),
            );
        }
    }
}

async fn find_incident(
    state: &AppState,
    page: &status_page::Model,
    iid: Uuid,
) -> ApiResult<status_page_incident::Model> {
    status_page_incident::Entity::find_by_id(iid)
        .one(&state.db)
        .await?
        .filter(|i| i.page_id == page.id)
        .ok_or(ApiError::NotFound("incident"))
}

/// Stores an update of `incident` (its status as it now stands) and queues the mail to
/// the page's subscribers, in the caller's transaction.
async fn post_update(
    txn: &impl ConnectionTrait,
    state: &AppState,
    principal: &Principal,
    page: &status_page::Model,
    incident: &status_page_incident::Model,
    message: &str,
    first: bool,
) -> Result<(), ApiError> {
    status_page_incident_update::ActiveModel {
        id: Set(Uuid::now_v7()),
        incident_id: Set(incident.id),
        status: Set(incident.status.clone()),
        message: Set(message.to_owned()),
        created_by: Set(Some(principal.user.id)),
        created_at: Set(incident.updated_at),
    }
    .insert(txn)
    .await?;
    subscribers::notify_incident(
        txn,
        &state.cipher,
        &state.status_pages,
        page,
        incident,
        message,
        first,
    )
    .await?;
    Ok(())
}

/// Filters of the incident list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    /// Page number.
    pub page: Option<u64>,
    /// Page size.
    pub per_page: Option<u64>,
    /// `open` or `resolved`.
    pub state: Option<String>,
}

/// A page's incidents and announcements, newest first.
#[utoipa::path(get, path = "/api/v1/status-pages/{id}/incidents", tag = "status-pages", operation_id = "listStatusPageIncidents",
    params(("id" = Uuid, Path, description = "Page id"), IncidentQuery),
    responses((status = 200, description = "Incidents", body = ListPage<PageIncidentView>)))]
async fn list_incidents(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<IncidentQuery>,
) -> ApiResult {
    let page = find(&state, &principal, id, Role::Viewer).await?;
    let paging = Paging::from_params(q.page, q.per_page)?;
    let mut query = status_page_incident::Entity::find()
        .filter(status_page_incident::Column::PageId.eq(page.id));
    match q.state.as_deref() {
        None => {}
        Some("open") => query = query.filter(status_page_incident::Column::ResolvedAt.is_null()),
        Some("resolved") => {
            query = query.filter(status_page_incident::Column::ResolvedAt.is_not_null());
        }
        Some(_) => return Err(ApiError::field("state", "must be open or resolved")),
    }
    let query = query
        .order_by_desc(status_page_incident::Column::CreatedAt)
        .order_by_desc(status_page_incident::Column::Id);
    let (rows, total) = crate::db::list::fetch_page(&state.db, query, paging).await?;
    let mut items = Vec::new();
    for row in &rows {
        items.push(incident_view(&state.db, row).await?);
    }
    Ok(envelope::ok(ListPage {
        total,
        items,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Post an incident or announcement (editors); subscribers are mailed.
#[utoipa::path(post, path = "/api/v1/status-pages/{id}/incidents", tag = "status-pages", operation_id = "createStatusPageIncident",
    params(("id" = Uuid, Path, description = "Page id")),
    request_body = IncidentInput,
    responses((status = 201, description = "Posted", body = PageIncidentView)))]
async fn create_incident(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<IncidentInput>,
) -> ApiResult {
    let page = find(&state, &principal, id, Role::Editor).await?;
    let mut errors = FieldErrors::new();
    let title = match input.title.as_deref().map(crate::monitors::Name::parse) {
        Some(Ok(t)) => Some(t.into_inner()),
        Some(Err(reason)) => {
            errors.insert("title".into(), reason);
            None
        }
        None => {
            errors.insert("title".into(), "is required".into());
            None
        }
    };
    let message = match input.message.as_deref() {
        Some(m) => parse_message(m, &mut errors),
        None => {
            errors.insert("message".into(), "is required".into());
            None
        }
    };
    let components = input.components.unwrap_or_default();
    check_components(&page, &components, &mut errors);
    let (Some(title), Some(message), true) = (title, message, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let status = input.status.unwrap_or(IncidentStatus::Investigating);
    let now = Utc::now();
    let txn = crate::db::begin_write(&state.db).await?;
    let row = status_page_incident::ActiveModel {
        id: Set(Uuid::now_v7()),
        page_id: Set(page.id),
        title: Set(title),
        status: Set(status.as_str().into()),
        impact: Set(input.impact.unwrap_or(Impact::Minor).as_str().into()),
        components: Set(serde_json::to_value(&components).expect("ids serialize")),
        created_by: Set(Some(principal.user.id)),
        created_at: Set(now),
        updated_at: Set(now),
        resolved_at: Set((status == IncidentStatus::Resolved).then_some(now)),
    }
    .insert(&txn)
    .await?;
    post_update(&txn, &state, &principal, &page, &row, &message, true).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "status_page.incident.create")
            .target("status_page", page.id)
            .details(serde_json::json!({ "incident_id": row.id, "title": row.title, "status": row.status, "impact": row.impact })),
    )
    .await?;
    txn.commit().await?;
    state.queue.wake();
    state.status_pages.invalidate_page(page.id);
    Ok(envelope::created(incident_view(&state.db, &row).await?))
}

/// One incident.
#[utoipa::path(get, path = "/api/v1/status-pages/{id}/incidents/{iid}", tag = "status-pages", operation_id = "getStatusPageIncident",
    params(("id" = Uuid, Path, description = "Page id"), ("iid" = Uuid, Path, description = "Incident id")),
    responses((status = 200, description = "The incident", body = PageIncidentView)))]
async fn get_incident(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((id, iid)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult {
    let page = find(&state, &principal, id, Role::Viewer).await?;
    let row = find_incident(&state, &page, iid).await?;
    Ok(envelope::ok(incident_view(&state.db, &row).await?))
}

/// Change an incident's title, impact, components or status without posting an update
/// (editors).
#[utoipa::path(patch, path = "/api/v1/status-pages/{id}/incidents/{iid}", tag = "status-pages", operation_id = "updateStatusPageIncident",
    params(("id" = Uuid, Path, description = "Page id"), ("iid" = Uuid, Path, description = "Incident id")),
    request_body = IncidentInput,
    responses((status = 200, description = "Saved", body = PageIncidentView)))]
async fn update_incident(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath((id, iid)): ApiPath<(Uuid, Uuid)>,
    ApiJson(input): ApiJson<IncidentInput>,
) -> ApiResult {
    let page = find(&state, &principal, id, Role::Editor).await?;
    let row = find_incident(&state, &page, iid).await?;
    let mut errors = FieldErrors::new();
    if input.message.is_some() {
        errors.insert(
            "message".into(),
            "is posted as an update: POST .../updates".into(),
        );
    }
    let mut active: status_page_incident::ActiveModel = row.into();
    if let Some(title) = &input.title {
        match crate::monitors::Name::parse(title) {
            Ok(t) => active.title = Set(t.into_inner()),
            Err(reason) => {
                errors.insert("title".into(), reason);
            }
        }
    }
    if let Some(components) = &input.components {
        check_components(&page, components, &mut errors);
        active.components = Set(serde_json::to_value(components).expect("ids serialize"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(impact) = input.impact {
        active.impact = Set(impact.as_str().into());
    }
    let now = Utc::now();
    if let Some(status) = input.status {
        active.status = Set(status.as_str().into());
        active.resolved_at = Set((status == IncidentStatus::Resolved).then_some(now));
    }
    active.updated_at = Set(now);
    let txn = crate::db::begin_write(&state.db).await?;
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "status_page.incident.update")
            .target("status_page", page.id)
            .details(serde_json::json!({ "incident_id": row.id, "title": row.title, "status": row.status, "impact": row.impact })),
    )
    .await?;
    txn.commit().await?;
    state.status_pages.invalidate_page(page.id);
    Ok(envelope::ok(incident_view(&state.db, &row).await?))
}

/// Delete an incident and its updates (editors).
#[utoipa::path(delete, path = "/api/v1/status-pages/{id}/incidents/{iid}", tag = "status-pages", operation_id = "deleteStatusPageIncident",
    params(("id" = Uuid, Path, description = "Page id"), ("iid" = Uuid, Path, description = "Incident id")),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_incident(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath((id, iid)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult {
    let page = find(&state, &principal, id, Role::Editor).await?;
    let row = find_incident(&state, &page, iid).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    status_page_incident_update::Entity::delete_many()
        .filter(status_page_incident_update::Column::IncidentId.eq(iid))
        .exec(&txn)
        .await?;
    status_page_incident::Entity::delete_by_id(iid)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "status_page.incident.delete")
            .target("status_page", page.id)
            .details(serde_json::json!({ "incident_id": iid, "title": row.title })),
    )
    .await?;
    txn.commit().await?;
    state.status_pages.invalidate_page(page.id);
    Ok(envelope::ok(Deleted { id: iid }))
}

/// Post an update to an incident, optionally moving its status (editors); subscribers
/// are mailed.
#[utoipa::path(post, path = "/api/v1/status-pages/{id}/incidents/{iid}/updates", tag = "status-pages", operation_id = "addStatusPageIncidentUpdate",
    params(("id" = Uuid, Path, description = "Page id"), ("iid" = Uuid, Path, description = "Incident id")),
    request_body = UpdateInput,
    responses((status = 201, description = "Posted", body = PageIncidentView)))]
async fn add_update(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath((id, iid)): ApiPath<(Uuid, Uuid)>,
    ApiJson(input): ApiJson<UpdateInput>,
) -> ApiResult {
    let page = find(&state, &principal, id, Role::Editor).await?;
    let row = find_incident(&state, &page, iid).await?;
    let mut errors = FieldErrors::new();
    let Some(message) = parse_message(&input.message, &mut errors) else {
        return Err(ApiError::Validation(errors));
    };
    let status = input
        .status
        .unwrap_or_else(|| IncidentStatus::parse(&row.status));
    let now = Utc::now();
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active: status_page_incident::ActiveModel = row.into();
    active.status = Set(status.as_str().into());
    active.resolved_at = Set((status == IncidentStatus::Resolved).then_some(now));
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    post_update(&txn, &state, &principal, &page, &row, &message, false).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "status_page.incident.update")
            .target("status_page", page.id)
            .details(serde_json::json!({ "incident_id": row.id, "status": row.status })),
    )
    .await?;
    txn.commit().await?;
    state.queue.wake();
    state.status_pages.invalidate_page(page.id);
    Ok(envelope::created(incident_view(&state.db, &row).await?))
}

/// A visitor report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    /// Id.
    pub id: Uuid,
    /// Page.
    pub page_id: Uuid,
    /// The page's slug.
    pub page_slug: Option<String>,
    /// The page's title.
    pub page_title: Option<String>,
    /// Component.
    pub component_id: Uuid,
    /// Its display name.
    pub component_name: Option<String>,
    /// `down`, `slow`, `errors`, `cannot_login` or `other`.
    pub reason: String,
    /// The visitor's words.
    pub message: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Filters of report lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Page number.
    pub page: Option<u64>,
    /// Page size.
    pub per_page: Option<u64>,
    /// Only reports filed since then.
    pub since: Option<DateTime<Utc>>,
}

async fn report_page(
    state: &AppState,
    pages: Vec<Uuid>,
    q: ReportQuery,
) -> ApiResult<ListPage<ReportView>> {
    let paging = Paging::from_params(q.page, q.per_page)?;
    let mut query =
        status_report::Entity::find().filter(status_report::Column::PageId.is_in(pages));
    if let Some(since) = q.since {
        query = query.filter(status_report::Column::CreatedAt.gte(since));
    }
    let query = query
        .order_by_desc(status_report::Column::CreatedAt)
        .order_by_desc(status_report::Column::Id);
    let (rows, total) = crate::db::list::fetch_page(&state.db, query, paging).await?;
    let component_ids: Vec<Uuid> = rows.iter().map(|r| r.component_id).collect();
    let names: std::collections::HashMap<Uuid, String> = if component_ids.is_empty() {
        Default::default()
    } else {
        status_component::Entity::find()
            .filter(status_component::Column::Id.is_in(component_ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.display_name))
            .collect()
    };
    let registry = state.status_pages.registry();
    Ok(ListPage {
        total,
        items: rows
            .into_iter()
            .map(|r| ReportView {
                id: r.id,
                page_id: r.page_id,
                page_slug: registry.pages.get(&r.page_id).map(|p| p.slug.clone()),
                page_title: registry.pages.get(&r.page_id).map(|p| p.title.clone()),
                component_id: r.component_id,
                component_name: names.get(&r.component_id).cloned(),
                reason: r.reason,
                message: r.message,
                created_at: r.created_at,
            })
            .collect(),
        page: paging.page,
        per_page: paging.per_page,
    })
}

/// The reports visitors filed on a page, newest first.
#[utoipa::path(get, path = "/api/v1/status-pages/{id}/reports", tag = "status-pages", operation_id = "listStatusPageReports",
    params(("id" = Uuid, Path, description = "Page id"), ReportQuery),
    responses((status = 200, description = "Reports", body = ListPage<ReportView>)))]
async fn page_reports(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult {
    let page = find(&state, &principal, id, Role::Viewer).await?;
    Ok(envelope::ok(report_page(&state, vec![page.id], q).await?))
}

/// The reports filed on every page the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/status-reports", tag = "status-pages", operation_id = "listStatusReports",
    params(ReportQuery),
    responses((status = 200, description = "Reports", body = ListPage<ReportView>)))]
async fn all_reports(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult {
    let groups = component_groups(&state).await?;
    let mut pages = Vec::new();
    for page in state.status_pages.registry().pages.values() {
        if covers(&principal, &groups_in(&groups, page), Role::Viewer) {
            pages.push(page.id);
        }
    }
    Ok(envelope::ok(report_page(&state, pages, q).await?))
}

/// A subscriber.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriberView {
    /// Id.
    pub id: Uuid,
    /// Address.
    pub email: String,
    /// Confirmed (mails go only to confirmed addresses).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Subscribed.
    pub created_at: DateTime<Utc>,
}

/// A page's subscribers (editors).
#[utoipa::path(get, path = "/api/v1/status-pages/{id}/subscribers", tag = "status-pages", operation_id = "listStatusPageSubscribers",
    params(("id" = Uuid, Path, description = "Page id"), PageParams),
    responses((status = 200, description = "Subscribers", body = ListPage<SubscriberView>)))]
async fn list_subscribers(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult {
    let page = find(&state, &principal, id, Role::Editor).await?;
    let paging = Paging::from_params(q.page, q.per_page)?;
    let query = status_subscriber::Entity::find()
        .filter(status_subscriber::Column::PageId.eq(page.id))
        .order_by_asc(status_subscriber::Column::Email);
    let (rows, total) = crate::db::list::fetch_page(&state.db, query, paging).await?;
    Ok(envelope::ok(ListPage {
        total,
        items: rows
            .into_iter()
            .map(|s| SubscriberView {
                id: s.id,
                email: s.email,
                confirmed_at: s.confirmed_at,
                created_at: s.created_at,
            })
            .collect::<Vec<_>>(),
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Remove a subscriber (editors).
#[utoipa::path(delete, path = "/api/v1/status-pages/{id}/subscribers/{sid}", tag = "status-pages", operation_id = "deleteStatusPageSubscriber",
    params(("id" = Uuid, Path, description = "Page id"), ("sid" = Uuid, Path, description = "Subscriber id")),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_subscriber(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath((id, sid)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult {
    let page = find(&state, &principal, id, Role::Editor).await?;
    let row = status_subscriber::Entity::find_by_id(sid)
        .one(&state.db)
        .await?
        .filter(|s| s.page_id == page.id)
        .ok_or(ApiError::NotFound("subscriber"))?;
    let txn = crate::db::begin_write(&state.db).await?;
    status_subscriber::Entity::delete_by_id(sid)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "status_page.subscriber.delete")
            .target("status_page", page.id)
            .details(serde_json::json!({ "subscriber_id": sid, "email": row.email })),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::ok(Deleted { id: sid }))
}
