//! [`StatusPages`]: the pages and badges kept rendered in memory. A view reads the cache;
//! a page is rebuilt in the background (the stale copy is served meanwhile) when one of
//! its monitors changes state, when the page or its incidents change, and when its copy is
//! older than [`MAX_AGE`], so the times and response times stay fresh.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::badge::{self, BadgeData};
use super::links::Signer;
use super::render::Renderer;
use super::snapshot::{self, PageData};
use super::{component_ids, sections_of, Clock, Visibility};
use crate::db::entities::{status_component, status_page};
use crate::engine::Engine;
use crate::events::Event;

/// The oldest a rendered page or badge may be served before it is rebuilt.
pub const MAX_AGE: Duration = Duration::from_secs(10);

/// A body ready to send, with its validator and its gzip form.
#[derive(Debug)]
pub struct Body {
    /// The bytes.
    pub bytes: axum::body::Bytes,
    /// The same, gzip-compressed.
    pub gzip: axum::body::Bytes,
    /// Strong validator.
    pub etag: String,
}

impl Body {
    fn new(bytes: Vec<u8>) -> Self {
        let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&bytes))[..32]);
        let gzip = {
            use std::io::Write;
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(&bytes).expect("writing to memory");
            encoder.finish().expect("writing to memory")
        };
        Self {
            bytes: bytes.into(),
            gzip: gzip.into(),
            etag,
        }
    }
}

/// A page as served.
#[derive(Debug)]
pub struct Rendered {
    /// What it was made from.
    pub data: PageData,
    /// The HTML page.
    pub html: Body,
    /// `summary.json`.
    pub json: Body,
    /// The Atom feed.
    pub atom: Body,
}

/// Pages by their addresses.
#[derive(Debug, Default)]
pub struct Registry {
    /// Pages by id.
    pub pages: HashMap<Uuid, status_page::Model>,
    /// Page ids by slug.
    pub by_slug: HashMap<String, Uuid>,
    /// Page ids by custom domain.
    pub by_domain: HashMap<String, Uuid>,
    /// Components shown on at least one public page (their badges are public).
    pub public_components: HashSet<Uuid>,
    /// Pages by the monitors their components publish.
    pub pages_of_monitor: HashMap<Uuid, Vec<Uuid>>,
}

struct Slot<T> {
    value: Arc<T>,
    built: Instant,
    stale: bool,
    rebuilding: bool,
}

/// Rendered things by id, each served until it is stale or older than [`MAX_AGE`] and
/// rebuilt by one background task at a time.
struct Slots<T>(RwLock<HashMap<Uuid, Slot<T>>>);

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Self(RwLock::default())
    }
}

impl<T> Slots<T> {
    /// The copy of `id`, and whether it should be rebuilt.
    fn cached(&self, id: Uuid) -> Option<(Arc<T>, bool)> {
        let map = self.0.read().expect("cache lock");
        map.get(&id)
            .map(|s| (s.value.clone(), s.stale || s.built.elapsed() >= MAX_AGE))
    }

    /// Claims the rebuild of a cached `id`; false when absent or already being rebuilt.
    fn claim(&self, id: Uuid) -> bool {
        let mut map = self.0.write().expect("cache lock");
        match map.get_mut(&id) {
            Some(slot) if !slot.rebuilding => {
                slot.rebuilding = true;
                true
            }
            _ => false,
        }
    }

    fn insert(&self, id: Uuid, value: T) -> Arc<T> {
        let value = Arc::new(value);
        self.0.write().expect("cache lock").insert(
            id,
            Slot {
                value: value.clone(),
                built: Instant::now(),
                stale: false,
                rebuilding: false,
            },
        );
        value
    }

    /// Takes a rebuild's outcome: the new copy, its removal (the thing is gone), or, on
    /// failure, the old copy until the next try.
    fn settle(&self, id: Uuid, built: Result<Option<T>, DbErr>) {
        match built {
            Ok(Some(value)) => {
                self.insert(id, value);
            }
            Ok(None) => {
                self.0.write().expect("cache lock").remove(&id);
            }
            Err(err) => {
                tracing::warn!(error = %err, id = %id, "Rebuilding a status page or badge failed; the previous copy stays.");
                if let Some(slot) = self.0.write().expect("cache lock").get_mut(&id) {
                    slot.rebuilding = false;
                }
            }
        }
    }

    /// Marks stale the copies `which` selects; answers their ids.
    fn mark_stale(&self, which: impl Fn(Uuid, &T) -> bool) -> Vec<Uuid> {
        let mut map = self.0.write().expect("cache lock");
        map.iter_mut()
            .filter(|(id, s)| which(**id, &s.value))
            .map(|(id, s)| {
                s.stale = true;
                *id
            })
            .collect()
    }

    fn retain(&self, keep: impl Fn(Uuid) -> bool) {
        self.0
            .write()
            .expect("cache lock")
            .retain(|id, _| keep(*id));
    }
}

struct Inner {
    db: DatabaseConnection,
    engine: Engine,
    signer: Signer,
    clock: Clock,
    renderer: Renderer,
    public_url: String,
    subscriptions: bool,
    renders: prometheus::IntCounterVec,
    registry: RwLock<Arc<Registry>>,
    pages: Slots<Rendered>,
    badges: Slots<BadgeData>,
}

/// The status pages of this process. Cheap to clone.
#[derive(Clone)]
pub struct StatusPages {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for StatusPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StatusPages")
    }
}

impl StatusPages {
    /// Status pages over this database and engine; `secret` signs their links.
    /// `subscriptions`: whether e-mail is set up, so visitors may subscribe; `renders`
    /// counts what is rendered from the database.
    pub fn new(
        db: DatabaseConnection,
        engine: Engine,
        secret: &[u8],
        public_url: &str,
        subscriptions: bool,
        renders: prometheus::IntCounterVec,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                engine,
                signer: Signer::new(secret),
                clock: Clock::default(),
                renderer: Renderer::new(),
                public_url: public_url.trim_end_matches('/').to_owned(),
                subscriptions,
                renders,
                registry: RwLock::default(),
                pages: Slots::default(),
                badges: Slots::default(),
            }),
        }
    }

    /// The link signer.
    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    /// The clock the daily limits go by.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The templates.
    pub fn renderer(&self) -> &Renderer {
        &self.inner.renderer
    }

    /// Where the server is reached from outside.
    pub fn public_url(&self) -> &str {
        &self.inner.public_url
    }

    /// The pages by address.
    pub fn registry(&self) -> Arc<Registry> {
        self.inner.registry.read().expect("registry lock").clone()
    }

    /// Loads the pages again after a change to pages or components, and marks every
    /// rendered copy stale.
    pub async fn reload(&self) -> Result<(), DbErr> {
        let db = &self.inner.db;
        let pages = status_page::Entity::find().all(db).await?;
        let components: HashMap<Uuid, Uuid> = status_component::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.target_id))
            .collect();
        let mut registry = Registry::default();
        for page in pages {
            let ids = component_ids(&sections_of(&page.sections));
            for id in &ids {
                if let Some(target) = components.get(id) {
                    registry
                        .pages_of_monitor
                        .entry(*target)
                        .or_default()
                        .push(page.id);
                }
            }
            if Visibility::parse(&page.visibility) == Visibility::Public {
                registry.public_components.extend(ids);
            }
            registry.by_slug.insert(page.slug.clone(), page.id);
            if let Some(domain) = &page.custom_domain {
                registry.by_domain.insert(domain.clone(), page.id);
            }
            registry.pages.insert(page.id, page);
        }
        let registry = Arc::new(registry);
        *self.inner.registry.write().expect("registry lock") = registry.clone();
        self.inner
            .pages
            .retain(|id| registry.pages.contains_key(&id));
        for id in self.inner.pages.mark_stale(|_, _| true) {
            self.refresh_page(id);
        }
        for id in self.inner.badges.mark_stale(|_, _| true) {
            self.refresh_badge(id);
        }
        Ok(())
    }

    /// Marks one page stale and rebuilds it in the background (its incidents changed).
    pub fn invalidate_page(&self, id: Uuid) {
        self.inner.pages.mark_stale(|page, _| page == id);
        self.refresh_page(id);
    }

    async fn build_page(&self, id: Uuid) -> Result<Option<Rendered>, DbErr> {
        let Some(page) = self.registry().pages.get(&id).cloned() else {
            return Ok(None);
        };
        self.inner.renders.with_label_values(&["page"]).inc();
        let data = snapshot::load(
            &self.inner.db,
            &self.inner.engine,
            page,
            self.inner.clock.now(),
        )
        .await?;
        let renderer = &self.inner.renderer;
        let html = renderer.page_html(&data, self.inner.subscriptions);
        let json = renderer.summary_json(&data, &self.inner.public_url);
        let atom = renderer.atom(&data, &self.inner.public_url);
        Ok(Some(Rendered {
            html: Body::new(html.into_bytes()),
            json: Body::new(json),
            atom: Body::new(atom.into_bytes()),
            data,
        }))
    }

    async fn build_badge(&self, component_id: Uuid) -> Result<Option<BadgeData>, DbErr> {
        let Some(component) = status_component::Entity::find_by_id(component_id)
            .one(&self.inner.db)
            .await?
        else {
            return Ok(None);
        };
        self.inner.renders.with_label_values(&["badge"]).inc();
        badge::load(
            &self.inner.db,
            &self.inner.engine,
            &component,
            self.inner.clock.now(),
        )
        .await
        .map(Some)
    }

    /// Starts a background rebuild of a cached copy unless one runs.
    fn refresh<T, F, Fut>(&self, pick: fn(&Inner) -> &Slots<T>, id: Uuid, build: F)
    where
        T: Send + Sync + 'static,
        F: FnOnce(StatusPages) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<Option<T>, DbErr>> + Send + 'static,
    {
        if !pick(&self.inner).claim(id) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let built = build(this.clone()).await;
            pick(&this.inner).settle(id, built);
        });
    }

    /// The copy from memory (a stale or old copy is served while a fresh one is built),
    /// or built here when there is none yet.
    async fn cached_or_build<T, F, Fut>(
        &self,
        pick: fn(&Inner) -> &Slots<T>,
        id: Uuid,
        build: F,
    ) -> Result<Option<Arc<T>>, DbErr>
    where
        T: Send + Sync + 'static,
        F: FnOnce(StatusPages) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<Option<T>, DbErr>> + Send + 'static,
    {
        if let Some((value, old)) = pick(&self.inner).cached(id) {
            if old {
                self.refresh(pick, id, build);
            }
            return Ok(Some(value));
        }
        Ok(build(self.clone())
            .await?
            .map(|value| pick(&self.inner).insert(id, value)))
    }

    fn refresh_page(&self, id: Uuid) {
        self.refresh(
            |i| &i.pages,
            id,
            move |this| async move { this.build_page(id).await },
        );
    }

    fn refresh_badge(&self, id: Uuid) {
        self.refresh(
            |i| &i.badges,
            id,
            move |this| async move { this.build_badge(id).await },
        );
    }

    /// The rendered page.
    pub async fn page(&self, id: Uuid) -> Result<Option<Arc<Rendered>>, DbErr> {
        self.cached_or_build(
            |i| &i.pages,
            id,
            move |this| async move { this.build_page(id).await },
        )
        .await
    }

    /// What a component's badges show.
    pub async fn badge(&self, component_id: Uuid) -> Result<Option<Arc<BadgeData>>, DbErr> {
        self.cached_or_build(
            |i| &i.badges,
            component_id,
            move |this| async move { this.build_badge(component_id).await },
        )
        .await
    }

    /// A monitor changed: rebuild what shows it.
    fn monitor_changed(&self, monitor_id: Uuid) {
        let pages = self
            .registry()
            .pages_of_monitor
            .get(&monitor_id)
            .cloned()
            .unwrap_or_default();
        for id in pages {
            self.invalidate_page(id);
        }
        for id in self
            .inner
            .badges
            .mark_stale(|_, badge| badge.target_id == monitor_id)
        {
            self.refresh_badge(id);
        }
    }

    /// Follows the engine's events until `stop`: a monitor's status change, incident or
    /// alert rebuilds the pages and badges that show it; a change to the monitors
    /// themselves (paused, deleted, renamed group) rebuilds everything.
    pub async fn run(self, stop: CancellationToken) {
        let mut events = self.inner.engine.subscribe();
        let mut catalog = self.inner.engine.catalog().subscribe();
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                event = events.recv() => match event {
                    Ok(Event::Status { monitor_id, .. } | Event::Incident { monitor_id, .. } | Event::Alert { monitor_id, .. }) => {
                        self.monitor_changed(monitor_id);
                    }
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        if let Err(err) = self.reload().await {
                            tracing::warn!(error = %err, "Reloading the status pages failed.");
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                changed = catalog.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if let Err(err) = self.reload().await {
                        tracing::warn!(error = %err, "Reloading the status pages failed.");
                    }
                }
            }
        }
    }
}
