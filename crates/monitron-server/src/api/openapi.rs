//! The OpenAPI 3.1 document, generated from the handlers' annotations and then completed in
//! one place: success bodies wrapped in the envelope, the error responses every endpoint
//! can give, and security. Doing it here keeps each handler's annotation short and makes
//! it impossible for one endpoint to forget the envelope in its documentation.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr};
use utoipa::OpenApi as _;

use crate::api::envelope::ErrorEnvelope;

/// Operations that need no credentials.
const PUBLIC: &[&str] = &[
    "login",
    "authStatus",
    "refresh",
    "register",
    "forgotPassword",
    "resetPassword",
    "healthz",
    "readyz",
    "metrics",
    "pingSuccess",
    "pingSuccessPost",
    "pingSignal",
    "pingSignalPost",
    // Push agents authenticate with their own enrollment token or credential.
    "agentSocket",
    "enrollAgent",
    "pushRecords",
];
/// Operations that answer 429 when their rate limit trips.
const RATE_LIMITED: &[&str] = &[
    "login",
    "register",
    "forgotPassword",
    "pingSuccess",
    "pingSuccessPost",
    "pingSignal",
    "pingSignalPost",
];

const DESCRIPTION: &str = "\
Monitron's HTTP API. Every response, success or error, is an envelope \
`{code, message, data, error}`. `code` is 0 on success; otherwise HTTP status * 100 + reason:

| code | meaning |
|---|---|
| 40001 | validation failed; `error` maps each field to its reason |
| 40002 | malformed body (not JSON, or truncated) |
| 40101 | missing credentials |
| 40102 | invalid, expired or revoked token or key |
| 40103 | wrong login or password |
| 40301 | forbidden for this role |
| 40302 | account deactivated |
| 40401 | resource not found |
| 40402 | no such endpoint |
| 40501 | method not allowed |
| 40901 | conflict (e.g. username taken, last administrator) |
| 41301 | body larger than 1 MiB |
| 41501 | body is not application/json |
| 42901 | rate limited; see `Retry-After` |
| 50001 | internal error; `error.request_id` identifies it in the logs |
| 50301 | a dependency (database) is unavailable |

Authenticate with `Authorization: Bearer <access token>` from `/api/v1/auth/login`, with an \
`X-API-Key` header (which takes precedence when both are sent), or with HTTP Basic when an \
administrator enabled it. Every response carries `X-Request-ID`.";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Monitron API", description = "", license(name = "AGPL-3.0-only")),
    components(schemas(ErrorEnvelope)),
    tags(
        (name = "auth", description = "Sign in, tokens, registration and password recovery"),
        (name = "me", description = "The signed-in user"),
        (name = "users", description = "User management (administrators)"),
        (name = "settings", description = "Server settings (administrators)"),
        (name = "audit", description = "Audit log (administrators)"),
        (name = "system", description = "Health, readiness and metrics"),
        (name = "overview", description = "Counts and sparklines for the dashboard and lists"),
        (name = "status-pages", description = "Status pages, their components, incidents, visitor reports and subscribers"),
    )
)]
struct ApiDoc;

/// The document the routers' paths are merged into.
pub fn base() -> OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.description = Some(DESCRIPTION.to_owned());
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    components.add_security_scheme(
        "api_key",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
    );
    components.add_security_scheme(
        "basic",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
    );
    doc
}

/// Completes the merged document (see the module comment).
pub fn finish(mut doc: OpenApi) -> OpenApi {
    doc.security = Some(
        ["bearer", "api_key", "basic"]
            .into_iter()
            .map(|name| SecurityRequirement::new(name, Vec::<String>::new()))
            .collect(),
    );
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            complete(op);
        }
    }
    crate::api::check_schemas::tag_service_checks(&mut doc);
    doc
}

fn complete(op: &mut Operation) {
    let id = op.operation_id.clone().unwrap_or_default();
    let public = PUBLIC.contains(&id.as_str());
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if status.starts_with('2') {
            if let Some(content) = response.content.get_mut("application/json") {
                if let Some(data) = content.schema.take() {
                    content.schema = Some(success_envelope(data).into());
                }
            }
        }
        response.headers.insert(
            "X-Request-ID".into(),
            HeaderBuilder::new()
                .schema(string())
                .description(Some("Request id, echoed or generated"))
                .build(),
        );
    }
    let mut errors: Vec<(&str, &str)> = vec![
        (
            "400",
            "Validation failed (40001) or malformed input (40002)",
        ),
        ("404", "Not found (40401, 40402)"),
        ("405", "Method not allowed (40501)"),
        ("500", "Internal error (50001)"),
        ("503", "A dependency is unavailable (50301)"),
    ];
    if id != "healthz" && id != "readyz" {
        errors.push((
            "401",
            "Missing, invalid or expired credentials (40101, 40102, 40103)",
        ));
        errors.push(("403", "Forbidden (40301) or account deactivated (40302)"));
    }
    if op.request_body.is_some() {
        errors.push(("409", "Conflict with existing data (40901)"));
        errors.push(("413", "Body larger than 1 MiB (41301)"));
        errors.push(("415", "Body is not application/json (41501)"));
    }
    if RATE_LIMITED.contains(&id.as_str()) {
        errors.push(("429", "Rate limited (42901); see Retry-After"));
    }
    for (status, description) in errors {
        let mut builder = ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                    .build(),
            )
            .header(
                "X-Request-ID",
                HeaderBuilder::new().schema(string()).build(),
            );
        if status == "429" {
            builder = builder.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer).build())
                    .description(Some("Seconds to wait"))
                    .build(),
            );
        }
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| builder.build().into());
    }
    if public {
        op.security = Some(vec![SecurityRequirement::default()]);
    }
}

fn string() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .build()
        .into()
}

fn success_envelope(data: RefOr<Schema>) -> Schema {
    ObjectBuilder::new()
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([0]))
                .description(Some("0 on success")),
        )
        .property("message", ObjectBuilder::new().schema_type(Type::String))
        .property("data", data)
        .property(
            "error",
            ObjectBuilder::new().schema_type(SchemaType::Type(Type::Null)),
        )
        .required("code")
        .required("message")
        .required("data")
        .required("error")
        .into()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    /// Regression: a query parameter's enum was referenced but never defined, so client
    /// generators refused the document.
    #[test]
    fn every_reference_in_the_document_resolves() {
        let doc = serde_json::to_value(crate::api::openapi_document()).unwrap();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for r in found {
            let pointer = r.strip_prefix('#').expect("local references only");
            assert!(doc.pointer(pointer).is_some(), "{r} is not defined");
        }
    }
}
