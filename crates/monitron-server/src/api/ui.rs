//! The web UI: the single-page app built from `web/` and embedded in the binary (see
//! `build.rs`), served at `/` for every path no other route takes.
//!
//! Vite names its bundles by content hash under `assets/`, so those are cached forever;
//! `index.html` and the other top-level files are revalidated on every load (by ETag) so
//! a new release reaches browsers at once. A path that is not a file is a client-side
//! route and gets `index.html`; a missing file under `assets/` is a plain 404 so a stale
//! page asking for a removed bundle fails clearly instead of parsing HTML as JavaScript.
//! Every answer carries a Content-Security-Policy that allows scripts only from this
//! origin: the UI fetches nothing from anywhere else.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use rust_embed::Embed;
use tower_http::compression::CompressionLayer;

use crate::api::envelope::ApiError;

/// The built UI (or the page saying how to build it).
#[derive(Embed)]
#[folder = "$MONITRON_UI_DIR"]
struct Assets;

/// Scripts, styles, images, fonts and connections from this origin only. Styles allow
/// inline `style` attributes, which the UI's components set for positions and sizes;
/// scripts never run inline.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; \
    connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The UI as a fallback service: paths under `/api/` and methods other than GET and HEAD
/// keep the API's "no such route" envelope.
pub fn router() -> Router {
    Router::new().fallback(serve).layer(CompressionLayer::new())
}

async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if (method != Method::GET && method != Method::HEAD)
        || path == "/api"
        || path.starts_with("/api/")
    {
        return ApiError::NoRoute.into_response();
    }
    let name = path.trim_start_matches('/');
    if let Some(file) = (!name.is_empty()).then(|| Assets::get(name)).flatten() {
        let cache = if name.starts_with("assets/") {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        return respond(file, cache, &headers);
    }
    if name.starts_with("assets/") {
        return secured(
            (
                StatusCode::NOT_FOUND,
                [(header::CACHE_CONTROL, REVALIDATE)],
                "Not found",
            )
                .into_response(),
        );
    }
    match Assets::get("index.html") {
        Some(index) => respond(index, REVALIDATE, &headers),
        None => ApiError::NoRoute.into_response(),
    }
}

fn respond(file: rust_embed::EmbeddedFile, cache: &'static str, headers: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        // Embedded files are static in release builds: serve them without copying.
        let body = match file.data {
            std::borrow::Cow::Borrowed(bytes) => Body::from(axum::body::Bytes::from_static(bytes)),
            std::borrow::Cow::Owned(bytes) => Body::from(bytes),
        };
        let mut response = Response::new(body);
        if let Ok(mime) = HeaderValue::from_str(file.metadata.mimetype()) {
            response.headers_mut().insert(header::CONTENT_TYPE, mime);
        }
        response
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, etag);
    }
    secured(response)
}

/// Adds the security headers every UI answer carries.
fn secured(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
