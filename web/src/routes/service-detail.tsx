/**
 * One service: its status and settings, statistics over four windows, the response-time
 * chart with a range picker, 90 days of uptime, its incidents and raw results, and the
 * actions (run now, pause/resume, edit, delete).
 */
import { ArrowLeft, Pause, Pencil, Play, RefreshCw, SearchX, Trash2 } from "lucide-react";
import { lazy, Suspense, useState, type ReactNode } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { ApiError } from "@/api/envelope";
import type { CheckResult, Service, StatsWindow } from "@/api/types";
import { CopyButton } from "@/components/copy-button";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { StatusBadge } from "@/components/status-badge";
import { fillDays, UptimeBars } from "@/components/uptime-bars";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { checkTypeLabel, describeTarget } from "@/lib/check-types";
import { cn } from "@/lib/cn";
import { formatCount, formatMs, formatPct } from "@/lib/format";
import { formatAbsolute, formatDuration, formatShort } from "@/lib/time";
import { useIncidents } from "@/queries/incidents";
import {
  useDeleteService,
  usePauseService,
  useRunService,
  useService,
  useServiceResults,
  useServiceSeries,
  useServiceStats,
  useServiceUptime,
} from "@/queries/services";
import { canEdit, useUser } from "@/session/use-session";

const ResponseTimeChart = lazy(() => import("@/components/charts/response-time-chart"));

const WINDOWS: { window: StatsWindow; label: string }[] = [
  { window: "24h", label: "24 hours" },
  { window: "7d", label: "7 days" },
  { window: "30d", label: "30 days" },
  { window: "90d", label: "90 days" },
];

const RANGES = [
  { label: "1 h", seconds: 3600 },
  { label: "24 h", seconds: 86_400 },
  { label: "7 d", seconds: 7 * 86_400 },
  { label: "30 d", seconds: 30 * 86_400 },
  { label: "90 d", seconds: 90 * 86_400 },
] as const;

function StatsCard({ id, window, label }: { id: string; window: StatsWindow; label: string }) {
  const stats = useServiceStats(id, window);
  const s = stats.data;
  return (
    <Card>
      <CardHeader className="pb-1">
        <h3 className="text-sm font-medium text-muted-foreground">Last {label}</h3>
      </CardHeader>
      <CardContent>
        {stats.isPending ? (
          <Skeleton className="h-16" />
        ) : stats.isError ? (
          <p className="text-sm text-destructive-text">{stats.error.message}</p>
        ) : s ? (
          <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-sm">
            <dt className="text-muted-foreground">Uptime</dt>
            <dd className="text-right font-semibold tabular-nums">{formatPct(s.uptime_pct)}</dd>
            <dt className="text-muted-foreground">Average</dt>
            <dd className="text-right tabular-nums">{formatMs(s.avg_response_ms)}</dd>
            <dt className="text-muted-foreground">95th pct.</dt>
            <dd className="text-right tabular-nums">{formatMs(s.p95_response_ms)}</dd>
            <dt className="text-muted-foreground">Checks</dt>
            <dd className="text-right tabular-nums">
              {formatCount(s.checks)}
              {s.failures > 0 ? <span className="text-down-text"> ({formatCount(s.failures)} failed)</span> : null}
            </dd>
            <dt className="text-muted-foreground">Incidents</dt>
            <dd className="text-right tabular-nums">{formatCount(s.incidents_total)}</dd>
          </dl>
        ) : null}
      </CardContent>
    </Card>
  );
}

function ResponseTimeCard({ id }: { id: string }) {
  const [range, setRange] = useState<number>(86_400);
  const series = useServiceSeries(id, range);
  const points = series.data?.points ?? [];
  const averages = points.map((p) => p.avg_ms).filter((v): v is number => typeof v === "number");
  const mean = averages.length ? averages.reduce((a, b) => a + b, 0) / averages.length : null;
  const slowest = points.reduce<number | null>((m, p) => (p.max_ms != null && (m === null || p.max_ms > m) ? p.max_ms : m), null);
  const rangeLabel = RANGES.find((r) => r.seconds === range)?.label ?? "";
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-center justify-between gap-2">
        <CardTitle id="response-time-title">Response time</CardTitle>
        <div role="group" aria-label="Chart range" className="flex rounded-md border p-0.5">
          {RANGES.map((r) => (
            <button
              key={r.seconds}
              type="button"
              aria-pressed={range === r.seconds}
              onClick={() => setRange(r.seconds)}
              className={cn(
                "rounded-sm px-2 py-1 text-xs font-medium text-muted-foreground hover:text-foreground",
                range === r.seconds && "bg-primary text-primary-foreground hover:text-primary-foreground",
              )}
            >
              {r.label}
            </button>
          ))}
        </div>
      </CardHeader>
      <CardContent>
        <figure aria-labelledby="response-time-title">
          {series.isPending ? (
            <Skeleton className="h-60" />
          ) : series.isError ? (
            <p className="text-sm text-destructive-text">{series.error.message}</p>
          ) : points.length === 0 ? (
            <p className="flex h-60 items-center justify-center text-sm text-muted-foreground">No checks in this range yet.</p>
          ) : (
            <Suspense fallback={<Skeleton className="h-60" />}>
              <div className={series.isPlaceholderData ? "opacity-60" : undefined}>
                <ResponseTimeChart
                  points={points}
                  stepS={series.data?.step_s ?? 60}
                  fromS={Math.floor(series.dataUpdatedAt / 1000) - range}
                  toS={Math.floor(series.dataUpdatedAt / 1000)}
                />
              </div>
            </Suspense>
          )}
          <figcaption className="mt-2 text-xs text-muted-foreground">
            Last {rangeLabel}: average {formatMs(mean)}, slowest {formatMs(slowest)}
            {series.data ? ` · one point per ${formatDuration(series.data.step_s)}` : ""}
          </figcaption>
        </figure>
      </CardContent>
    </Card>
  );
}

function UptimeCard({ id }: { id: string }) {
  const uptime = useServiceUptime(id, 90);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Uptime, last 90 days</CardTitle>
      </CardHeader>
      <CardContent>
        {uptime.isPending ? (
          <Skeleton className="h-10" />
        ) : uptime.isError ? (
          <p className="text-sm text-destructive-text">{uptime.error.message}</p>
        ) : (
          <UptimeBars days={fillDays(uptime.data, 90)} label="Daily uptime, last 90 days" />
        )}
      </CardContent>
    </Card>
  );
}

function IncidentsCard({ id }: { id: string }) {
  const [page, setPage] = useState(1);
  const incidents = useIncidents({ page, per_page: 10, target_type: "service", target_id: id });
  const items = incidents.data?.items ?? [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Incidents</CardTitle>
      </CardHeader>
      <CardContent>
        {incidents.isPending ? (
          <Skeleton className="h-20" />
        ) : incidents.isError ? (
          <p className="text-sm text-destructive-text">{incidents.error.message}</p>
        ) : items.length === 0 ? (
          <p className="text-sm text-muted-foreground">No incidents so far.</p>
        ) : (
          <>
            <Table>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">Started</TableHead>
                  <TableHead scope="col">Duration</TableHead>
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Cause
                  </TableHead>
                  <TableHead scope="col">Status</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((incident) => (
                  <TableRow key={incident.id}>
                    <TableCell className="whitespace-nowrap">
                      <time dateTime={incident.started_at} title={formatAbsolute(incident.started_at)}>
                        {formatShort(incident.started_at)}
                      </time>
                      <span className="block text-xs whitespace-normal text-muted-foreground sm:hidden">{incident.cause}</span>
                    </TableCell>
                    <TableCell className="whitespace-nowrap">{formatDuration(incident.duration_s)}</TableCell>
                    <TableCell className="hidden min-w-48 break-words sm:table-cell">{incident.cause}</TableCell>
                    <TableCell>
                      {incident.status === "open" ? (
                        <Badge className="border-down/40 bg-down-soft text-down-text">Open</Badge>
                      ) : (
                        <Badge className="border-up/40 bg-up-soft text-up-text">Resolved</Badge>
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Pagination page={page} perPage={10} total={incidents.data.total} onPage={setPage} label="Incident pages" />
          </>
        )}
      </CardContent>
    </Card>
  );
}

const RESULTS_PER_PAGE = 50;

function ResultsCard({ id }: { id: string }) {
  // Older pages end before the oldest result of the page before (a cursor, newest first).
  const [cursors, setCursors] = useState<string[]>([]);
  const to = cursors.at(-1) ?? null;
  const results = useServiceResults(id, to, RESULTS_PER_PAGE);
  const items = results.data ?? [];
  const oldest = items.at(-1);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Check results</CardTitle>
      </CardHeader>
      <CardContent>
        {results.isPending ? (
          <Skeleton className="h-32" />
        ) : results.isError ? (
          <p className="text-sm text-destructive-text">{results.error.message}</p>
        ) : items.length === 0 ? (
          <p className="text-sm text-muted-foreground">{to ? "No older results are kept." : "No checks yet."}</p>
        ) : (
          <Table>
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead scope="col">Checked</TableHead>
                <TableHead scope="col">Result</TableHead>
                <TableHead scope="col" className="text-right">
                  Response
                </TableHead>
                <TableHead scope="col" className="hidden sm:table-cell">
                  Message
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((r) => (
                <TableRow key={r.checked_at}>
                  <TableCell className="whitespace-nowrap">
                    <time dateTime={r.checked_at} title={formatAbsolute(r.checked_at)}>
                      {formatShort(r.checked_at)}
                    </time>
                  </TableCell>
                  <TableCell>
                    <StatusBadge status={r.status} />
                    {r.maintenance ? <span className="ml-1 text-xs text-muted-foreground">maintenance</span> : null}
                    {r.message ? <span className="mt-1 block text-xs text-muted-foreground sm:hidden">{r.message}</span> : null}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{formatMs(r.response_ms)}</TableCell>
                  <TableCell className="hidden min-w-48 break-words text-muted-foreground sm:table-cell">
                    {r.message ?? ""}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        <nav aria-label="Result pages" className="flex flex-wrap items-center justify-end gap-2 pt-2">
          {cursors.length > 0 ? (
            <>
              <Button variant="outline" size="sm" onClick={() => setCursors([])}>
                Newest
              </Button>
              <Button variant="outline" size="sm" onClick={() => setCursors((c) => c.slice(0, -1))}>
                Newer
              </Button>
            </>
          ) : null}
          <Button
            variant="outline"
            size="sm"
            disabled={!oldest || items.length < RESULTS_PER_PAGE}
            onClick={() => oldest && setCursors((c) => [...c, oldest.checked_at])}
          >
            Older
          </Button>
        </nav>
      </CardContent>
    </Card>
  );
}

function Setting({ label, children, className }: { label: string; children: ReactNode; className?: string }) {
  return (
    <div className={cn("flex flex-col gap-0.5", className)}>
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="text-sm break-words">{children}</dd>
    </div>
  );
}

function Overview({ service, lastRun }: { service: Service; lastRun: CheckResult | null }) {
  const status = service.enabled ? service.state.status : "paused";
  return (
    <Card>
      <CardContent className="pt-4">
        <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <Setting label="Status">
            <span className="flex flex-wrap items-center gap-2">
              <StatusBadge status={status} />
              {service.state.status_since ? (
                <span className="text-xs text-muted-foreground">
                  since <RelativeTime value={service.state.status_since} />
                </span>
              ) : null}
            </span>
          </Setting>
          <Setting label="Last check">
            <RelativeTime value={service.state.last_checked_at} />
            {service.state.last_response_ms != null ? ` · ${formatMs(service.state.last_response_ms)}` : ""}
          </Setting>
          <Setting label="Checked every">
            {formatDuration(service.interval_s)} (timeout {formatDuration(service.timeout_s)})
          </Setting>
          <Setting label="Group">{service.group || <span className="text-muted-foreground">None</span>}</Setting>
          {service.state.message ? (
            <Setting label="Last message" className="sm:col-span-2 lg:col-span-4">
              {service.state.message}
            </Setting>
          ) : null}
          {Object.keys(service.labels).length ? (
            <Setting label="Labels" className="sm:col-span-2 lg:col-span-4">
              <span className="flex flex-wrap gap-1">
                {Object.entries(service.labels).map(([k, v]) => (
                  <Badge key={k} className="font-mono">
                    {k}={v}
                  </Badge>
                ))}
              </span>
            </Setting>
          ) : null}
          {service.ping_url ? (
            <Setting label="Ping URL" className="sm:col-span-2 lg:col-span-4">
              <span className="flex flex-wrap items-center gap-2">
                <code className="rounded bg-muted px-2 py-1 font-mono text-xs break-all">{service.ping_url}</code>
                <CopyButton text={service.ping_url} label="Copy URL" />
              </span>
              <span className="mt-1 block text-xs text-muted-foreground">
                Have the job request this URL when it succeeds; add <code>/start</code> when it starts and <code>/fail</code> when
                it fails.
              </span>
            </Setting>
          ) : null}
          {lastRun ? (
            <Setting label="Check run just now" className="sm:col-span-2 lg:col-span-4">
              <span role="status" className="flex flex-wrap items-center gap-2">
                <StatusBadge status={lastRun.status} />
                {formatMs(lastRun.response_ms)} · {lastRun.message}
              </span>
            </Setting>
          ) : null}
        </dl>
      </CardContent>
    </Card>
  );
}

export function Component() {
  const { id = "" } = useParams();
  const user = useUser();
  const navigate = useNavigate();
  const service = useService(id);
  const run = useRunService(id);
  const pause = usePauseService(id);
  const remove = useDeleteService(id);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [lastRun, setLastRun] = useState<CheckResult | null>(null);
  const justCreated = Boolean((useLocation().state as { created?: boolean } | null)?.created);

  if (service.isPending) {
    return (
      <div className="flex flex-col gap-4" aria-busy="true">
        <Skeleton className="h-10 w-64" />
        <Skeleton className="h-28" />
        <Skeleton className="h-60" />
      </div>
    );
  }
  if (service.isError) {
    const missing = service.error instanceof ApiError && service.error.status === 404;
    return (
      <EmptyState
        icon={SearchX}
        title={missing ? "Service not found" : "Could not load this service"}
        action={
          <Button variant="outline" asChild>
            <Link to="/services">Back to services</Link>
          </Button>
        }
      >
        {missing ? "It may have been deleted." : service.error.message}
      </EmptyState>
    );
  }

  const s = service.data;
  const editor = canEdit(user);
  const target = describeTarget(s.type, s.config as Record<string, unknown>);

  const runNow = () =>
    run.mutate(undefined, {
      onSuccess: (result) => {
        setLastRun(result);
        toast(
          result.status === "up" ? "success" : "error",
          `Check ${result.status === "up" ? "passed" : "failed"}`,
          result.message,
        );
      },
      onError: (error) => toast("error", "Could not run the check", error.message),
    });
  const togglePause = () =>
    pause.mutate(s.enabled, {
      onSuccess: (updated) => toast("success", updated.enabled ? "Checks resumed" : "Checks paused"),
      onError: (error) => toast("error", "Could not change it", error.message),
    });
  const doDelete = () =>
    remove.mutate(undefined, {
      onSuccess: () => {
        toast("success", `Deleted ${s.name}`);
        navigate("/services", { replace: true });
      },
      onError: (error) => {
        setConfirmDelete(false);
        toast("error", "Could not delete it", error.message);
      },
    });

  return (
    <>
      <Link to="/services" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Services
      </Link>
      <PageHeader
        title={s.name}
        description={
          <span className="flex flex-wrap items-center gap-x-2">
            <span>{checkTypeLabel(s.type)}</span>
            {target ? <span className="font-mono text-xs break-all">{target}</span> : null}
          </span>
        }
        actions={
          editor ? (
            <>
              <Button variant="outline" onClick={runNow} disabled={run.isPending}>
                <RefreshCw aria-hidden="true" className={run.isPending ? "animate-spin" : undefined} />
                {run.isPending ? "Checking…" : "Run now"}
              </Button>
              <Button variant="outline" onClick={togglePause} disabled={pause.isPending}>
                {s.enabled ? <Pause aria-hidden="true" /> : <Play aria-hidden="true" />}
                {s.enabled ? "Pause" : "Resume"}
              </Button>
              <Button variant="outline" asChild>
                <Link to={`/services/${s.id}/edit`}>
                  <Pencil aria-hidden="true" />
                  Edit
                </Link>
              </Button>
              <Button variant="destructive" onClick={() => setConfirmDelete(true)}>
                <Trash2 aria-hidden="true" />
                Delete
              </Button>
            </>
          ) : null
        }
      >
        {s.description ? <p className="mt-2 max-w-prose text-sm">{s.description}</p> : null}
      </PageHeader>

      <div className="flex flex-col gap-4">
        {justCreated && s.ping_url ? (
          <Card className="border-primary-text/50">
            <CardHeader>
              <CardTitle>Your heartbeat is ready</CardTitle>
            </CardHeader>
            <CardContent className="flex flex-col gap-2 text-sm">
              <p>Make the job request this URL each time it succeeds (GET, POST or HEAD), for example:</p>
              <div className="flex flex-wrap items-center gap-2">
                <code className="rounded bg-muted px-2 py-1 font-mono text-xs break-all">
                  curl -fsS -m 10 --retry 5 {s.ping_url}
                </code>
                <CopyButton text={`curl -fsS -m 10 --retry 5 ${s.ping_url}`} label="Copy command" />
              </div>
              <p className="text-muted-foreground">It stays pending until the first ping arrives.</p>
            </CardContent>
          </Card>
        ) : null}
        <Overview service={s} lastRun={lastRun} />
        <section aria-labelledby="statistics-title" className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
          <h2 id="statistics-title" className="sr-only">
            Statistics
          </h2>
          {WINDOWS.map((w) => (
            <StatsCard key={w.window} id={s.id} window={w.window} label={w.label} />
          ))}
        </section>
        <ResponseTimeCard id={s.id} />
        <UptimeCard id={s.id} />
        <IncidentsCard id={s.id} />
        <ResultsCard id={s.id} />
      </div>

      <ConfirmDialog
        open={confirmDelete}
        onOpenChange={setConfirmDelete}
        title={`Delete ${s.name}?`}
        description="Its checks stop and its history, incidents and uptime are deleted. This cannot be undone."
        confirmLabel="Delete service"
        busy={remove.isPending}
        onConfirm={doDelete}
      />
    </>
  );
}
