//! `/api/v1/components`: status-page components. A component publishes one service,
//! domain or instance under a display name; one component may sit on many pages. Access
//! follows the group of the monitor behind it.

use axum::extract::State;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::envelope::{self, ApiError, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::list::{ApiQuery, ListPage, Paging};
use crate::api::me::Deleted;
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::{Principal, Role};
use crate::db::entities::{status_component, status_page};
use crate::monitors::Kind;
use crate::state::AppState;
use crate::status_pages::{component_ids, sections_of, Section};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_components, create_component))
        .routes(routes!(get_component, update_component, delete_component))
}

/// A component as sent: every field optional, so creation and changes share one shape
/// (a creation needs all but `description`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentInput {
    /// Shown instead of the monitor's name.
    pub display_name: Option<String>,
    /// Shown under the name.
    pub description: Option<String>,
    /// `service`, `domain` or `instance`.
    pub target_type: Option<String>,
    /// The monitor.
    pub target_id: Option<Uuid>,
}

/// A component.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentView {
    /// Id.
    pub id: Uuid,
    /// Shown name.
    pub display_name: String,
    /// Description.
    pub description: Option<String>,
    /// `service`, `domain` or `instance`.
    pub target_type: String,
    /// The monitor.
    pub target_id: Uuid,
    /// The monitor's own name (never shown publicly).
    pub target_name: Option<String>,
    /// The monitor's group.
    pub group: Option<String>,
    /// Pages that show it.
    pub page_ids: Vec<Uuid>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// The target's group, or `None` if the monitor is gone.
fn target_of(state: &AppState, row: &status_component::Model) -> Option<(String, Option<String>)> {
    state
        .engine
        .catalog()
        .get(row.target_id)
        .map(|m| (m.name.to_string(), m.group.clone()))
}

fn view(state: &AppState, row: &status_component::Model) -> ComponentView {
    let target = target_of(state, row);
    let registry = state.status_pages.registry();
    let mut page_ids: Vec<Uuid> = registry
        .pages
        .values()
        .filter(|p| component_ids(&sections_of(&p.sections)).contains(&row.id))
        .map(|p| p.id)
        .collect();
    page_ids.sort();
    ComponentView {
        id: row.id,
        display_name: row.display_name.clone(),
        description: row.description.clone(),
        target_type: row.target_type.clone(),
        target_id: row.target_id,
        target_name: target.as_ref().map(|t| t.0.clone()),
        group: target.and_then(|t| t.1),
        page_ids,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The group a component's access follows (None: ungrouped or the monitor is gone).
pub fn group_of(state: &AppState, row: &status_component::Model) -> Option<String> {
    target_of(state, row).and_then(|t| t.1)
}

fn apply(
    state: &AppState,
    principal: &Principal,
    input: ComponentInput,
    row: &mut status_component::ActiveModel,
    creating: bool,
) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    match &input.display_name {
        Some(name) => match crate::monitors::Name::parse(name) {
            Ok(name) => row.display_name = Set(name.into_inner()),
            Err(reason) => {
                errors.insert("display_name".into(), reason);
            }
        },
        None if creating => {
            errors.insert("display_name".into(), "is required".into());
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
    let kind = match (&input.target_type, creating) {
        (Some(t), _) => match Kind::parse(t) {
            Some(kind) => Some(kind),
            None => {
                errors.insert(
                    "target_type".into(),
                    "must be service, domain or instance".into(),
                );
                None
            }
        },
        (None, true) => {
            errors.insert("target_type".into(), "is required".into());
            None
        }
        (None, false) => Kind::parse(row.target_type.as_ref()),
    };
    let target = match (input.target_id, creating) {
        (Some(id), _) => Some(id),
        (None, true) => {
            errors.insert("target_id".into(), "is required".into());
            None
        }
        (None, false) if input.target_type.is_some() => Some(*row.target_id.as_ref()),
        (None, false) => None,
    };
    if let (Some(kind), Some(id)) = (kind, target) {
        match state.engine.catalog().get(id) {
            Some(m) if m.kind == kind => {
                if principal
                    .require_in(m.group.as_deref(), Role::Editor, "component")
                    .is_err()
                {
                    errors.insert(
                        "target_id".into(),
                        format!("no {} with this id that you may edit", kind.as_str()),
                    );
                } else {
                    row.target_type = Set(kind.as_str().to_owned());
                    row.target_id = Set(id);
                }
            }
            _ => {
                errors.insert(
                    "target_id".into(),
                    format!("no {} with this id", kind.as_str()),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

async fn find(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    needed: Role,
) -> ApiResult<status_component::Model> {
    let row = status_component::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("component"))?;
    principal.require_in(group_of(state, &row).as_deref(), needed, "component")?;
    Ok(row)
}

/// Filters of the component list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComponentQuery {
    /// Page number.
    pub page: Option<u64>,
    /// Page size.
    pub per_page: Option<u64>,
    /// Only components whose display name or monitor name contains this (any case).
    pub q: Option<String>,
    /// Only these components (comma-separated ids).
    pub ids: Option<String>,
}

/// List the components whose monitors the caller may see.
#[utoipa::path(get, path = "/api/v1/components", tag = "status-pages", operation_id = "listComponents",
    params(ComponentQuery),
    responses((status = 200, description = "Components", body = ListPage<ComponentView>)))]
async fn list_components(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<ComponentQuery>,
) -> ApiResult {
    let ids: Option<Vec<Uuid>> = match q.ids.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => Some(
            raw.split(',')
                .map(|id| id.trim().parse::<Uuid>())
                .collect::<Result<_, _>>()
                .map_err(|_| ApiError::field("ids", "must be comma-separated component ids"))?,
        ),
        None => None,
    };
    let needle =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
    let paging = Paging::from_params(q.page, q.per_page)?;
    let rows = status_component::Entity::find()
        .order_by_asc(status_component::Column::DisplayName)
        .order_by_asc(status_component::Column::Id)
        .all(&state.db)
        .await?;
    let visible: Vec<&status_component::Model> = rows
        .iter()
        .filter(|r| ids.as_ref().is_none_or(|ids| ids.contains(&r.id)))
        .filter(|r| {
            needle.as_ref().is_none_or(|n| {
                r.display_name.to_lowercase().contains(n)
                    || target_of(&state, r).is_some_and(|t| t.0.to_lowercase().contains(n))
            })
        })
        .filter(|r| {
            principal
                .require_in(group_of(&state, r).as_deref(), Role::Viewer, "component")
                .is_ok()
        })
        .collect();
    let total = visible.len() as u64;
    let items = visible
        .into_iter()
        .skip(paging.offset() as usize)
        .take(paging.per_page as usize)
        .map(|r| view(&state, r))
        .collect();
    Ok(envelope::ok(ListPage {
        total,
        items,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Create a component (editors of the monitor's group).
#[utoipa::path(post, path = "/api/v1/components", tag = "status-pages", operation_id = "createComponent",
    request_body = ComponentInput,
    responses((status = 201, description = "Created", body = ComponentView)))]
async fn create_component(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(input): ApiJson<ComponentInput>,
) -> ApiResult {
    crate::api::status_pages::require_some_editor(&principal)?;
    let now = Utc::now();
    let mut row = status_component::ActiveModel {
        id: Set(Uuid::now_v7()),
        display_name: Set(String::new()),
        description: Set(None),
        target_type: Set(String::new()),
        target_id: Set(Uuid::nil()),
        created_by: Set(Some(principal.user.id)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    apply(&state, &principal, input, &mut row, true)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = row.insert(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "component.create")
            .target("component", row.id)
            .details(serde_json::json!({ "display_name": row.display_name, "target_type": row.target_type, "target_id": row.target_id })),
    )
    .await?;
    txn.commit().await?;
    state.status_pages.reload().await?;
    Ok(envelope::created(view(&state, &row)))
}

/// One component.
#[utoipa::path(get, path = "/api/v1/components/{id}", tag = "status-pages", operation_id = "getComponent",
    params(("id" = Uuid, Path, description = "Component id")),
    responses((status = 200, description = "The component", body = ComponentView)))]
async fn get_component(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Viewer).await?;
    Ok(envelope::ok(view(&state, &row)))
}

/// Change a component (editors).
#[utoipa::path(patch, path = "/api/v1/components/{id}", tag = "status-pages", operation_id = "updateComponent",
    params(("id" = Uuid, Path, description = "Component id")),
    request_body = ComponentInput,
    responses((status = 200, description = "Saved", body = ComponentView)))]
async fn update_component(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ComponentInput>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Editor).await?;
    let mut active: status_component::ActiveModel = row.into();
    apply(&state, &principal, input, &mut active, false)?;
    active.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(&state.db).await?;
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "component.update")
            .target("component", id)
            .details(
                serde_json::json!({ "display_name": row.display_name, "target_id": row.target_id }),
            ),
    )
    .await?;
    txn.commit().await?;
    state.status_pages.reload().await?;
    Ok(envelope::ok(view(&state, &row)))
}

/// Delete a component (editors); it leaves every page that showed it.
#[utoipa::path(delete, path = "/api/v1/components/{id}", tag = "status-pages", operation_id = "deleteComponent",
    params(("id" = Uuid, Path, description = "Component id")),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_component(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Editor).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    for page in status_page::Entity::find().all(&txn).await? {
        let sections = sections_of(&page.sections);
        if !component_ids(&sections).contains(&id) {
            continue;
        }
        let kept: Vec<Section> = sections
            .into_iter()
            .map(|mut s| {
                s.components.retain(|c| c.component_id != id);
                s
            })
            .collect();
        let mut active: status_page::ActiveModel = page.into();
        active.sections = Set(serde_json::to_value(kept).expect("sections serialize"));
        active.updated_at = Set(Utc::now());
        active.update(&txn).await?;
    }
    status_component::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "component.delete")
            .target("component", id)
            .details(serde_json::json!({ "display_name": row.display_name })),
    )
    .await?;
    txn.commit().await?;
    state.status_pages.reload().await?;
    Ok(envelope::ok(Deleted { id }))
}
