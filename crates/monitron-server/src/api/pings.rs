//! `/api/v1/ping/{token}`: heartbeat pings from cron jobs and scripts, with the
//! Healthchecks conventions: a plain ping is a success, `/start` marks a run as started
//! (its duration is measured to the next success), `/fail` and `/{exit_code}` (non-zero)
//! report a failure. GET, POST and HEAD all work, so `curl -fsS` in a crontab is enough.
//! Public (the token is the credential) and rate-limited per token.

use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use chrono::Utc;
use monitron_probe::Outcome;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::path::ApiPath;
use crate::db::entities::{monitor, monitor_state};
use crate::monitors::check::HEARTBEAT;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ping_success, ping_success_post))
        .routes(routes!(ping_signal, ping_signal_post))
}

/// What a ping recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct PingAccepted {
    /// `success`, `start` or `fail`.
    pub kind: &'static str,
    /// For a success after `/start`: how long the run took.
    pub run_ms: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ping {
    Success,
    Start,
    Fail(Option<i64>),
}

fn parse_signal(signal: &str) -> Result<Ping, ApiError> {
    match signal {
        "start" => Ok(Ping::Start),
        "fail" => Ok(Ping::Fail(None)),
        code => match code.parse::<i64>() {
            Ok(0) => Ok(Ping::Success),
            Ok(n) if (1..=255).contains(&n) => Ok(Ping::Fail(Some(n))),
            _ => Err(ApiError::NoRoute),
        },
    }
}

async fn record(state: &AppState, token: &str, ping: Ping) -> ApiResult {
    if token.len() > 64 {
        return Err(ApiError::NotFound("ping URL"));
    }
    if let Err(wait) = state.limiters.ping_token.check(token) {
        return Err(ApiError::RateLimited(wait));
    }
    let row = monitor::Entity::find()
        .filter(monitor::Column::PingToken.eq(token))
        .filter(monitor::Column::CheckType.eq(HEARTBEAT))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("ping URL"))?;
    let now = Utc::now();
    let current = monitor_state::Entity::find_by_id(row.id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("ping URL"))?;
    let mut active: monitor_state::ActiveModel = current.clone().into();
    // The scheduler follows heartbeats' deadlines by this stamp (a `/start` moves one).
    active.updated_at = Set(now);
    let (kind, run_ms, outcome) = match ping {
        Ping::Start => {
            active.last_start_at = Set(Some(now));
            ("start", None, None)
        }
        Ping::Success => {
            // A run is timed when its start is the latest event before this success.
            let started = current.last_start_at.filter(|s| {
                current.last_success_at.is_none_or(|x| x < *s)
                    && current.last_failure_at.is_none_or(|x| x < *s)
            });
            let run_ms = started.map(|s| (now - s).num_milliseconds() as f64);
            active.last_success_at = Set(Some(now));
            let message = match run_ms {
                Some(ms) => format!("ping received; the run took {:.1} s", ms / 1000.0),
                None => "ping received".into(),
            };
            let outcome = Outcome {
                status: monitron_probe::Status::Up,
                response_ms: run_ms,
                message,
                details: serde_json::Value::Null,
            };
            ("success", run_ms, Some(outcome))
        }
        Ping::Fail(code) => {
            active.last_failure_at = Set(Some(now));
            let message = match code {
                Some(code) => format!("the job exited with code {code}"),
                None => "the job reported a failure".into(),
            };
            (
                "fail",
                None,
                Some(Outcome::down(None, message, serde_json::Value::Null)),
            )
        }
    };
    active.update(&state.db).await?;
    state.engine.heartbeat_pinged();
    if let Some(outcome) = outcome {
        state.engine.record(&row, outcome).await?;
    }
    let mut response = envelope::ok(PingAccepted { kind, run_ms }).into_response();
    response
        .headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Report a successful run (GET or HEAD).
#[utoipa::path(get, path = "/api/v1/ping/{token}", tag = "heartbeats", operation_id = "pingSuccess",
    params(("token" = String, Path, description = "The heartbeat's ping token")),
    responses((status = 200, description = "Recorded", body = PingAccepted)))]
async fn ping_success(State(state): State<AppState>, ApiPath(token): ApiPath<String>) -> ApiResult {
    record(&state, &token, Ping::Success).await
}

/// Report a successful run (POST; the body is ignored).
#[utoipa::path(post, path = "/api/v1/ping/{token}", tag = "heartbeats", operation_id = "pingSuccessPost",
    params(("token" = String, Path, description = "The heartbeat's ping token")),
    responses((status = 200, description = "Recorded", body = PingAccepted)))]
async fn ping_success_post(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> ApiResult {
    record(&state, &token, Ping::Success).await
}

/// `/start`, `/fail`, or an exit code (`0` is a success, 1-255 a failure).
#[utoipa::path(get, path = "/api/v1/ping/{token}/{signal}", tag = "heartbeats", operation_id = "pingSignal",
    params(
        ("token" = String, Path, description = "The heartbeat's ping token"),
        ("signal" = String, Path, description = "`start`, `fail` or an exit code 0-255"),
    ),
    responses((status = 200, description = "Recorded", body = PingAccepted)))]
async fn ping_signal(
    State(state): State<AppState>,
    ApiPath((token, signal)): ApiPath<(String, String)>,
) -> ApiResult {
    record(&state, &token, parse_signal(&signal)?).await
}

/// The same as the GET form, for clients that POST.
#[utoipa::path(post, path = "/api/v1/ping/{token}/{signal}", tag = "heartbeats", operation_id = "pingSignalPost",
    params(
        ("token" = String, Path, description = "The heartbeat's ping token"),
        ("signal" = String, Path, description = "`start`, `fail` or an exit code 0-255"),
    ),
    responses((status = 200, description = "Recorded", body = PingAccepted)))]
async fn ping_signal_post(
    State(state): State<AppState>,
    ApiPath((token, signal)): ApiPath<(String, String)>,
) -> ApiResult {
    record(&state, &token, parse_signal(&signal)?).await
}
