//! Prometheus metrics: HTTP request counts and latencies labelled by route template (never
//! the raw path, which would explode cardinality; the API's middleware records them), the
//! engine's instruments, and process metrics.

use std::sync::Arc;
use std::time::Duration;

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::monitor_gauges::MonitorGauges;

/// Registers the shared per-monitor gauges.
struct SharedGauges(Arc<MonitorGauges>);

impl Collector for SharedGauges {
    fn desc(&self) -> Vec<&Desc> {
        self.0.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.0.collect()
    }
}

/// The server's metric registry and instruments.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    /// The monitoring engine's instruments.
    pub engine: EngineMetrics,
    /// Alerting's instruments.
    pub alerting: AlertingMetrics,
    /// Status pages and badges rendered (the only way a view reaches the database), by
    /// what was rendered (`page` or `badge`).
    pub status_renders: IntCounterVec,
}

/// Instruments of notification delivery.
#[derive(Clone)]
pub struct AlertingMetrics {
    /// Delivery attempts, by channel type and outcome (`sent`, `retry`, `refused`, `dead`).
    pub notifications: IntCounterVec,
    /// Seconds from an alert firing to its provider accepting the message.
    pub latency: Histogram,
    /// Open alerts by state and severity (read from the database at each scrape).
    pub alerts: IntGaugeVec,
}

impl AlertingMetrics {
    fn new(registry: &Registry) -> Self {
        let notifications = IntCounterVec::new(
            Opts::new(
                "monitron_notifications_total",
                "Notification delivery attempts, by channel type and outcome.",
            ),
            &["type", "outcome"],
        )
        .expect("valid metric");
        let latency = Histogram::with_opts(
            HistogramOpts::new(
                "monitron_notification_latency_seconds",
                "Time from an alert firing to its provider accepting the notification.",
            )
            .buckets(vec![
                0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
            ]),
        )
        .expect("valid metric");
        let alerts = IntGaugeVec::new(
            Opts::new("monitron_alerts", "Open alerts, by state and severity."),
            &["state", "severity"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(alerts.clone()))
            .expect("registered once");
        registry
            .register(Box::new(notifications.clone()))
            .expect("registered once");
        registry
            .register(Box::new(latency.clone()))
            .expect("registered once");
        Self {
            notifications,
            latency,
            alerts,
        }
    }
}

/// Instruments of the scheduler, workers and result writer, and per-monitor gauges.
#[derive(Clone)]
pub struct EngineMetrics {
    /// Checks run, by type and outcome (`up`/`down`).
    pub checks: IntCounterVec,
    /// Seconds between a check's due time and its start.
    pub schedule_lag: Histogram,
    /// Slots skipped because the previous check of the monitor was still running or the
    /// scheduler fell behind.
    pub skipped: IntCounter,
    /// Messages waiting, by work kind.
    pub queue_depth: IntGaugeVec,
    /// Results per write batch.
    pub batch_size: Histogram,
    /// 1 while this process holds the scheduler lease.
    pub scheduler_active: IntGauge,
    /// Monitors known to this process's scheduler.
    pub scheduled_monitors: IntGauge,
    /// Per-monitor gauges (up, response time, days left, host usage).
    pub monitors: Arc<MonitorGauges>,
    /// Agent snapshots stored.
    pub snapshots_stored: IntCounter,
    /// Results the writer could not store after its retries.
    pub results_lost: IntCounter,
    /// Checks that panicked (a bug in a check type); the monitor's next slot runs again.
    pub check_panics: IntCounter,
}

impl EngineMetrics {
    fn new(registry: &Registry) -> Self {
        let checks = IntCounterVec::new(
            Opts::new("monitron_checks_total", "Checks run, by type and outcome."),
            &["type", "outcome"],
        )
        .expect("valid metric");
        let schedule_lag = Histogram::with_opts(
            HistogramOpts::new(
                "monitron_schedule_lag_seconds",
                "Delay between a check's due time and its start.",
            )
            .buckets(vec![
                0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
        )
        .expect("valid metric");
        let skipped = IntCounter::new(
            "monitron_checks_skipped_total",
            "Check slots skipped (previous check still running, or the scheduler fell behind).",
        )
        .expect("valid metric");
        let queue_depth = IntGaugeVec::new(
            Opts::new("monitron_queue_depth", "Messages waiting, by work kind."),
            &["kind"],
        )
        .expect("valid metric");
        let batch_size = Histogram::with_opts(
            HistogramOpts::new("monitron_writer_batch_size", "Results per write batch.").buckets(
                vec![1.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0],
            ),
        )
        .expect("valid metric");
        let scheduler_active = IntGauge::new(
            "monitron_scheduler_active",
            "1 while this process holds the scheduler lease.",
        )
        .expect("valid metric");
        let scheduled_monitors = IntGauge::new(
            "monitron_scheduled_monitors",
            "Monitors in this process's schedule.",
        )
        .expect("valid metric");
        let snapshots_stored = IntCounter::new(
            "monitron_agent_snapshots_stored_total",
            "Agent metric snapshots stored.",
        )
        .expect("valid metric");
        let results_lost = IntCounter::new(
            "monitron_results_lost_total",
            "Check results that could not be stored after every retry.",
        )
        .expect("valid metric");
        let check_panics = IntCounter::new(
            "monitron_check_panics_total",
            "Checks that panicked instead of reporting an outcome.",
        )
        .expect("valid metric");
        let monitors = Arc::new(MonitorGauges::default());
        for c in [
            Box::new(snapshots_stored.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(SharedGauges(monitors.clone())),
            Box::new(checks.clone()),
            Box::new(schedule_lag.clone()),
            Box::new(skipped.clone()),
            Box::new(queue_depth.clone()),
            Box::new(batch_size.clone()),
            Box::new(scheduler_active.clone()),
            Box::new(scheduled_monitors.clone()),
            Box::new(results_lost.clone()),
            Box::new(check_panics.clone()),
        ] {
            registry.register(c).expect("registered once");
        }
        Self {
            checks,
            schedule_lag,
            skipped,
            queue_depth,
            batch_size,
            scheduler_active,
            scheduled_monitors,
            monitors,
            snapshots_stored,
            results_lost,
            check_panics,
        }
    }
}

impl Metrics {
    /// Creates and registers every instrument.
    pub fn new() -> Self {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new(
                "monitron_http_requests_total",
                "HTTP requests answered, by route template, method and status.",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "monitron_http_request_duration_seconds",
                "HTTP request latency, by route template, method and status.",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let build_info = IntGauge::with_opts(
            Opts::new("monitron_build_info", "Build information; always 1.")
                .const_label("version", env!("CARGO_PKG_VERSION")),
        )
        .expect("valid metric");
        build_info.set(1);
        registry
            .register(Box::new(http_requests.clone()))
            .expect("registered once");
        registry
            .register(Box::new(http_duration.clone()))
            .expect("registered once");
        registry
            .register(Box::new(build_info))
            .expect("registered once");
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("registered once");
        let engine = EngineMetrics::new(&registry);
        let alerting = AlertingMetrics::new(&registry);
        let status_renders = IntCounterVec::new(
            Opts::new(
                "monitron_status_renders_total",
                "Status pages and badges rendered from the database (views are served from memory), by kind.",
            ),
            &["kind"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(status_renders.clone()))
            .expect("registered once");
        Self {
            registry,
            http_requests,
            http_duration,
            engine,
            alerting,
            status_renders,
        }
    }

    /// Renders every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding cannot fail");
        String::from_utf8(out).expect("text format is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Records one answered HTTP request by route template, method and status.
    pub fn observe_request(&self, route: &str, method: &str, status: &str, took: Duration) {
        let labels = [route, method, status];
        self.http_duration
            .with_label_values(&labels)
            .observe(took.as_secs_f64());
        self.http_requests.with_label_values(&labels).inc();
    }
}
