//! What visitors reach without an account: `/status/{slug}` (HTML that works without
//! JavaScript), `/status/{slug}.json` (Statuspage's `summary.json` shape), the Atom feed,
//! visitor reports and subscriptions (as JSON or as plain form posts), the signed
//! confirm and unsubscribe links, and `/badge/{component}/...svg`. Pages come from the
//! in-memory cache of [`crate::status_pages::StatusPages`]: a view costs no query.
//!
//! A private page answers only to a signed-in user with a role on every group it shows,
//! through the view cookie the UI's signed link sets, or through the API's credentials.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::api::envelope::{self, ApiError, FieldErrors};
use crate::api::meta::RequestMeta;
use crate::auth::principal::{self, Principal};
use crate::auth::Role;
use crate::db::entities::{session, status_page, status_report, status_subscriber};
use crate::state::AppState;
use crate::status_pages::cache::{self as page_cache, Rendered};
use crate::status_pages::links::Purpose;
use crate::status_pages::render::{CSS, JS};
use crate::status_pages::{
    badge, component_ids, limits, sections_of, subscribers, Reason, Visibility,
};

/// The cookie a private page's view link sets (scoped to the page's path).
const VIEW_COOKIE: &str = "monitron_view";

/// What the page may load: its own stylesheet and script, logos from anywhere over HTTP(S);
/// only the web UI may frame it (its preview).
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
    img-src 'self' https: http: data:; connect-src 'self'; form-action 'self'; \
    base-uri 'none'; frame-ancestors 'self'";

/// Routes of the public pages (outside the JSON API and its OpenAPI document).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/status/assets/{file}", get(asset))
        .route("/status/{file}", get(page))
        .route("/status/{slug}/feed.atom", get(feed))
        .route("/status/{slug}/reports", axum::routing::post(report))
        .route("/status/{slug}/subscribe", axum::routing::post(subscribe))
        .route("/status/{slug}/confirm/{token}", get(confirm))
        .route(
            "/status/{slug}/unsubscribe/{token}",
            get(unsubscribe).post(unsubscribe),
        )
        .route("/badge/{component}/{file}", get(badge_svg))
}

/// Serves a page at `/` of its custom domain; every other request passes on.
pub async fn custom_domain(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path() == "/" && req.method() == axum::http::Method::GET {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(|h| {
                h.rsplit_once(':')
                    .map_or(h, |(name, _)| name)
                    .to_ascii_lowercase()
            });
        if let Some(id) =
            host.and_then(|h| state.status_pages.registry().by_domain.get(&h).copied())
        {
            return serve_page(&state, id, req, Kind::Html).await;
        }
    }
    next.run(req).await
}

async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "status.css" => (CSS, "text/css; charset=utf-8"),
        "status.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Html,
    Json,
    Atom,
}

fn not_found_html() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Not found</title>\
         <p>There is no status page here.</p></html>",
    )
        .into_response()
}

async fn page(State(state): State<AppState>, Path(file): Path<String>, req: Request) -> Response {
    let (slug, kind) = match file.strip_suffix(".json") {
        Some(slug) => (slug.to_owned(), Kind::Json),
        None => (file, Kind::Html),
    };
    match state.status_pages.registry().by_slug.get(&slug).copied() {
        Some(id) => serve_page(&state, id, req, kind).await,
        None if kind == Kind::Json => ApiError::NotFound("status page").into_response(),
        None => not_found_html(),
    }
}

async fn feed(State(state): State<AppState>, Path(slug): Path<String>, req: Request) -> Response {
    match state.status_pages.registry().by_slug.get(&slug).copied() {
        Some(id) => serve_page(&state, id, req, Kind::Atom).await,
        None => not_found_html(),
    }
}

/// Whether the caller may see a private page: a view cookie (or a fresh view link) bound
/// to a live session, or the API's credentials, of a user with a role on every group the
/// page shows.
async fn may_view(
    state: &AppState,
    rendered: &Rendered,
    parts: &mut axum::http::request::Parts,
) -> bool {
    let groups = &rendered.data.groups;
    let allowed = |p: &Principal| {
        if groups.is_empty() {
            p.require_in(None, Role::Viewer, "status page").is_ok()
        } else {
            groups.iter().all(|g| {
                p.require_in(g.as_deref(), Role::Viewer, "status page")
                    .is_ok()
            })
        }
    };
    let now = Utc::now();
    let token = view_token_of(parts);
    if let Some(grant) = token.and_then(|t| state.status_pages.signer().verify_view(&t, now)) {
        if grant.page_id == rendered.data.page.id {
            if let Ok(Some(s)) = session::Entity::find_by_id(grant.session_id)
                .one(&state.db)
                .await
            {
                if let Ok(p) = principal::of_session(&state.db, s.id, s.user_id).await {
                    if allowed(&p) {
                        return true;
                    }
                }
            }
        }
    }
    let has_credentials = parts.headers.contains_key(header::AUTHORIZATION)
        || parts.headers.contains_key("x-api-key");
    if has_credentials {
        if let Ok(p) = Principal::from_request_parts(parts, state).await {
            return allowed(&p);
        }
    }
    false
}

/// The view token of the request: `?view=` (the link) or the cookie.
fn view_token_of(parts: &axum::http::request::Parts) -> Option<String> {
    let from_query = parts.uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "view")
            .map(|(_, v)| v.into_owned())
    });
    from_query.or_else(|| {
        parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == VIEW_COOKIE)
            .map(|(_, v)| v.to_owned())
    })
}

async fn serve_page(state: &AppState, id: Uuid, req: Request, kind: Kind) -> Response {
    let rendered = match state.status_pages.page(id).await {
        Ok(Some(r)) => r,
        Ok(None) => return not_found_html(),
        Err(err) => {
            return ApiError::Internal(anyhow::anyhow!(err).context("building a status page"))
                .into_response()
        }
    };
    let (mut parts, _) = req.into_parts();
    let private = Visibility::parse(&rendered.data.page.visibility) == Visibility::Private;
    if private {
        if !may_view(state, &rendered, &mut parts).await {
            return match kind {
                Kind::Html => {
                    let back = format!("/status/{}", rendered.data.page.slug);
                    let next: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
                    Redirect::to(&format!("/login?next={next}")).into_response()
                }
                _ => ApiError::MissingCredentials.into_response(),
            };
        }
        // A fresh view link: keep it in a cookie for the page's path and drop it from
        // the address bar.
        if let Some(token) = parts.uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "view")
                .map(|(_, v)| v.into_owned())
        }) {
            let path = format!("/status/{}", rendered.data.page.slug);
            let secure = if state.config.public_url.starts_with("https://") {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{VIEW_COOKIE}={token}; Path={path}; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
                crate::api::status_pages::VIEW_COOKIE_HOURS * 3600
            );
            let mut response = Redirect::to(&path).into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            return response;
        }
    }
    let (body, content_type) = match kind {
        Kind::Html => (&rendered.html, "text/html; charset=utf-8"),
        Kind::Json => (&rendered.json, "application/json"),
        Kind::Atom => (&rendered.atom, "application/atom+xml; charset=utf-8"),
    };
    send(
        &parts.headers,
        body,
        content_type,
        private,
        kind == Kind::Html,
    )
}

/// Sends a cached body: 304 when the client holds it, gzip when the client takes it.
fn send(
    request: &HeaderMap,
    body: &page_cache::Body,
    content_type: &'static str,
    private: bool,
    html: bool,
) -> Response {
    let cache_control = if private {
        "private, no-cache"
    } else {
        "public, no-cache"
    };
    let etag = HeaderValue::from_str(&body.etag).expect("an etag is ASCII");
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == body.etag || t.trim() == "*")
        });
    let mut headers = HeaderMap::with_capacity(6);
    headers.insert(header::ETAG, etag);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if matches {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        headers.insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
    }
    let gzip = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let bytes: Bytes = if gzip {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        body.gzip.clone()
    } else {
        body.bytes.clone()
    };
    (StatusCode::OK, headers, Body::from(bytes)).into_response()
}

/// A visitor's form post or JSON body, read as strings.
struct Posted {
    fields: std::collections::HashMap<String, String>,
    json: bool,
}

fn read_posted(headers: &HeaderMap, body: &Bytes) -> Result<Posted, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let fields = if json {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::MalformedBody(FieldErrors::from([("_".into(), e.to_string())]))
        })?;
        let Some(object) = value.as_object() else {
            return Err(ApiError::MalformedBody(FieldErrors::from([(
                "_".into(),
                "must be a JSON object".into(),
            )])));
        };
        object
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                )
            })
            .collect()
    } else {
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    Ok(Posted { fields, json })
}

/// The answer to a form post: a small page in the status page's look.
fn message(
    state: &AppState,
    page: &status_page::Model,
    status: StatusCode,
    heading: &str,
    text: &str,
) -> Response {
    let html = state
        .status_pages
        .renderer()
        .message_html(page, heading, text, status.is_success());
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, CSP),
        ],
        html,
    )
        .into_response()
}

/// The page a visitor posts to; private pages take posts only from people who may see them.
async fn posted_page(state: &AppState, slug: &str) -> Result<status_page::Model, ApiError> {
    state
        .status_pages
        .registry()
        .by_slug
        .get(slug)
        .and_then(|id| state.status_pages.registry().pages.get(id).cloned())
        .filter(|p| Visibility::parse(&p.visibility) == Visibility::Public)
        .ok_or(ApiError::NotFound("status page"))
}

fn refusal(state: &AppState, page: &status_page::Model, json: bool, err: ApiError) -> Response {
    if json {
        return err.into_response();
    }
    let status = err.status_code();
    let text = match &err {
        ApiError::Validation(fields) | ApiError::Conflict(fields) => fields
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; "),
        ApiError::RateLimited(_) => {
            "Too many requests from your address today. Try again tomorrow.".into()
        }
        _ => "Something went wrong; try again in a moment.".into(),
    };
    let mut response = message(state, page, status, "Not sent", &text);
    if let ApiError::RateLimited(wait) = err {
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    response
}

async fn report(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let page = match posted_page(&state, &slug).await {
        Ok(p) => p,
        Err(err) => return err.into_response(),
    };
    let posted = match read_posted(&headers, &body) {
        Ok(p) => p,
        Err(err) => return refusal(&state, &page, false, err),
    };
    let json = posted.json;
    match file_report(&state, &page, &meta, posted).await {
        Ok(id) if json => envelope::created(json!({ "id": id })),
        Ok(_) => message(
            &state,
            &page,
            StatusCode::OK,
            "Thank you",
            "We received your report. The team looking after this page has been told.",
        ),
        Err(err) => refusal(&state, &page, json, err),
    }
}

async fn file_report(
    state: &AppState,
    page: &status_page::Model,
    meta: &RequestMeta,
    posted: Posted,
) -> Result<Uuid, ApiError> {
    let mut errors = FieldErrors::new();
    let on_page = component_ids(&sections_of(&page.sections));
    let component = match posted.fields.get("component_id").map(|v| v.parse::<Uuid>()) {
        Some(Ok(id)) if on_page.contains(&id) => Some(id),
        Some(Ok(_)) => {
            errors.insert(
                "component_id".into(),
                "is not a component of this page".into(),
            );
            None
        }
        Some(Err(_)) => {
            errors.insert("component_id".into(), "must be a component id".into());
            None
        }
        None => {
            errors.insert("component_id".into(), "is required".into());
            None
        }
    };
    let reason = match posted.fields.get("reason").map(|r| Reason::parse(r)) {
        Some(Some(r)) => Some(r),
        Some(None) => {
            errors.insert(
                "reason".into(),
                "must be one of down, slow, errors, cannot_login, other".into(),
            );
            None
        }
        None => {
            errors.insert("reason".into(), "is required".into());
            None
        }
    };
    let text = posted
        .fields
        .get("message")
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty());
    if text.as_ref().is_some_and(|m| m.chars().count() > 500) {
        errors.insert("message".into(), "must be at most 500 characters".into());
    }
    let (Some(component), Some(reason), true) = (component, reason, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let now = state.status_pages.clock().now();
    let ip = meta.ip_key();
    let txn = crate::db::begin_write(&state.db).await?;
    if limits::report(&txn, page.id, &ip, now).await?.is_some() {
        return Err(ApiError::RateLimited(std::time::Duration::from_secs(
            limits::retry_after_s(now),
        )));
    }
    let id = Uuid::now_v7();
    status_report::ActiveModel {
        id: Set(id),
        page_id: Set(page.id),
        component_id: Set(component),
        reason: Set(reason.as_str().into()),
        message: Set(text.clone()),
        ip: Set(Some(ip)),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let mut queued = false;
    if let Some(channel_id) = page.report_channel_id {
        let routes = state.engine.alerting().routes();
        if let Some(route) = routes.iter().find(|r| r.id == channel_id) {
            let name = crate::db::entities::status_component::Entity::find_by_id(component)
                .one(&txn)
                .await?
                .map_or_else(|| "a component".to_owned(), |c| c.display_name);
            let context = crate::status_pages::report_context(
                page,
                &name,
                reason,
                text.as_deref(),
                state.status_pages.public_url(),
                now,
            );
            let nid = crate::alerting::notifying::insert(
                &txn,
                Some(route.id),
                &route.channel_type,
                None,
                crate::notify::Event::Report,
                context,
                crate::alerting::notifying::state::QUEUED,
                None,
                now,
            )
            .await?;
            crate::alerting::notifying::enqueue(&txn, nid, &route.channel_type).await?;
            queued = true;
        }
    }
    txn.commit().await?;
    if queued {
        state.queue.wake();
    }
    Ok(id)
}

async fn subscribe(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let page = match posted_page(&state, &slug).await {
        Ok(p) => p,
        Err(err) => return err.into_response(),
    };
    let posted = match read_posted(&headers, &body) {
        Ok(p) => p,
        Err(err) => return refusal(&state, &page, false, err),
    };
    let json = posted.json;
    match add_subscriber(&state, &page, &meta, posted).await {
        Ok(()) if json => envelope::ok(json!({
            "message": "If the address can receive mail, a confirmation link is on its way."
        })),
        Ok(()) => message(
            &state,
            &page,
            StatusCode::OK,
            "Check your inbox",
            "We sent a confirmation link. Open it to start receiving this page's incidents and maintenance.",
        ),
        Err(err) => refusal(&state, &page, json, err),
    }
}

async fn add_subscriber(
    state: &AppState,
    page: &status_page::Model,
    meta: &RequestMeta,
    posted: Posted,
) -> Result<(), ApiError> {
    if state.notifier.mailer.is_none() {
        return Err(ApiError::Unavailable(
            "E-mail is not set up on this server, so subscriptions are closed.".into(),
        ));
    }
    let raw = posted
        .fields
        .get("email")
        .map(|e| e.trim().to_owned())
        .unwrap_or_default();
    if raw.is_empty() {
        return Err(ApiError::field("email", "is required"));
    }
    let email = match raw.parse::<lettre::Address>() {
        Ok(a) if raw.len() <= 320 => a.to_string().to_lowercase(),
        _ => return Err(ApiError::field("email", "is not a valid e-mail address")),
    };
    let now = state.status_pages.clock().now();
    let ip = meta.ip_key();
    let txn = crate::db::begin_write(&state.db).await?;
    if limits::subscribe(&txn, &ip, now).await?.is_some() {
        return Err(ApiError::RateLimited(std::time::Duration::from_secs(
            limits::retry_after_s(now),
        )));
    }
    let existing = status_subscriber::Entity::find()
        .filter(status_subscriber::Column::PageId.eq(page.id))
        .filter(status_subscriber::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    let subscriber = match existing {
        // Confirmed already, or mailed today: the same answer, no mail (no one can use
        // the form to flood an address).
        Some(s)
            if s.confirmed_at.is_some() || !limits::confirmation_due(s.confirm_sent_at, now) =>
        {
            txn.commit().await?;
            return Ok(());
        }
        Some(s) => {
            let mut active: status_subscriber::ActiveModel = s.into();
            active.confirm_sent_at = Set(Some(now));
            active.update(&txn).await?
        }
        None => {
            status_subscriber::ActiveModel {
                id: Set(Uuid::now_v7()),
                page_id: Set(page.id),
                email: Set(email),
                ip: Set(Some(ip)),
                confirmed_at: Set(None),
                confirm_sent_at: Set(Some(now)),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    let sp = &state.status_pages;
    crate::mail::enqueue(
        &txn,
        &state.cipher,
        &subscribers::confirmation(sp.signer(), sp.public_url(), page, &subscriber),
    )
    .await?;
    txn.commit().await?;
    state.queue.wake();
    Ok(())
}

async fn link_target(
    state: &AppState,
    slug: &str,
    token: &str,
    purpose: Purpose,
) -> Result<(status_page::Model, status_subscriber::Model), Response> {
    let registry = state.status_pages.registry();
    let Some(page) = registry
        .by_slug
        .get(slug)
        .and_then(|id| registry.pages.get(id))
        .cloned()
    else {
        return Err(not_found_html());
    };
    let invalid = |state: &AppState| {
        message(
            state,
            &page,
            StatusCode::NOT_FOUND,
            "Link not valid",
            "This link is not valid any more. If you unsubscribed already, there is nothing left to do.",
        )
    };
    let Some(id) = state.status_pages.signer().verify(purpose, token) else {
        return Err(invalid(state));
    };
    match status_subscriber::Entity::find_by_id(id)
        .one(&state.db)
        .await
    {
        Ok(Some(s)) if s.page_id == page.id => Ok((page, s)),
        Ok(_) => Err(invalid(state)),
        Err(err) => Err(ApiError::from(err).into_response()),
    }
}

async fn confirm(
    State(state): State<AppState>,
    Path((slug, token)): Path<(String, String)>,
) -> Response {
    let (page, subscriber) = match link_target(&state, &slug, &token, Purpose::Confirm).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if subscriber.confirmed_at.is_none() {
        let mut active: status_subscriber::ActiveModel = subscriber.into();
        active.confirmed_at = Set(Some(Utc::now()));
        if let Err(err) = active.update(&state.db).await {
            return ApiError::from(err).into_response();
        }
    }
    message(
        &state,
        &page,
        StatusCode::OK,
        "You are subscribed",
        "You will receive this page's incidents and maintenance by e-mail. Every mail carries a link to unsubscribe.",
    )
}

async fn unsubscribe(
    State(state): State<AppState>,
    Path((slug, token)): Path<(String, String)>,
) -> Response {
    let (page, subscriber) = match link_target(&state, &slug, &token, Purpose::Unsubscribe).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if let Err(err) = status_subscriber::Entity::delete_by_id(subscriber.id)
        .exec(&state.db)
        .await
    {
        return ApiError::from(err).into_response();
    }
    message(
        &state,
        &page,
        StatusCode::OK,
        "You are unsubscribed",
        "You will not receive mails from this page any more.",
    )
}

#[derive(Debug, Deserialize)]
struct BadgeQuery {
    days: Option<u32>,
}

async fn badge_svg(
    State(state): State<AppState>,
    Path((component, file)): Path<(String, String)>,
    Query(q): Query<BadgeQuery>,
    headers: HeaderMap,
) -> Response {
    let Ok(id) = component.parse::<Uuid>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !state
        .status_pages
        .registry()
        .public_components
        .contains(&id)
    {
        return StatusCode::NOT_FOUND.into_response();
    }
    let data = match state.status_pages.badge(id).await {
        Ok(Some(d)) => d,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(err) => return ApiError::from(err).into_response(),
    };
    let svg = match file.as_str() {
        "status.svg" => badge::status_svg(&data),
        "uptime.svg" => match badge::uptime_svg(&data, q.days.unwrap_or(30)) {
            Some(svg) => svg,
            None => return ApiError::field("days", "must be 1, 7, 30 or 90").into_response(),
        },
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let etag = format!(
        "\"{}\"",
        &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(svg.as_bytes()))[..32]
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                "image/svg+xml; charset=utf-8".to_owned(),
            ),
            (header::CACHE_CONTROL, "public, no-cache".to_owned()),
            (header::ETAG, etag),
        ],
        svg,
    )
        .into_response()
}
