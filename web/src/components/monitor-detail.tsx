/**
 * The parts of a monitor's page every kind shares: statistics over four windows, the
 * response-time chart with its range picker, 90 days of uptime, incidents (each linking
 * to its page, acknowledgeable by editors), raw results, and the not-found state.
 */
import { SearchX } from "lucide-react";
import { lazy, Suspense, useState, type ReactNode } from "react";
import { Link } from "react-router";
import { ApiError } from "@/api/envelope";
import type { StatsWindow } from "@/api/types";
import { EmptyState } from "@/components/empty-state";
import { IncidentStatusBadge } from "@/components/incident-status";
import { Pagination } from "@/components/pagination";
import { StatusBadge } from "@/components/status-badge";
import { fillDays, UptimeBars } from "@/components/uptime-bars";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/cn";
import { formatCount, formatMs, formatPct } from "@/lib/format";
import { formatAbsolute, formatDuration, formatShort } from "@/lib/time";
import { useMonitorResults, useMonitorSeries, useMonitorStats, useMonitorUptime, type SeriesKind } from "@/queries/history";
import { useIncidents } from "@/queries/incidents";
import type { MonitorKind } from "@/queries/monitors";

const ResponseTimeChart = lazy(() => import("@/components/charts/response-time-chart"));

export const WINDOWS: { window: StatsWindow; label: string }[] = [
  { window: "24h", label: "24 hours" },
  { window: "7d", label: "7 days" },
  { window: "30d", label: "30 days" },
  { window: "90d", label: "90 days" },
];

export const RANGES = [
  { label: "1 h", seconds: 3600 },
  { label: "24 h", seconds: 86_400 },
  { label: "7 d", seconds: 7 * 86_400 },
  { label: "30 d", seconds: 30 * 86_400 },
  { label: "90 d", seconds: 90 * 86_400 },
] as const;

/** A row of toggle buttons choosing one value (a chart's range). */
export function RangePicker<T extends number>({
  label,
  options,
  value,
  onChange,
}: {
  label: string;
  options: readonly { label: string; seconds: T }[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <div role="group" aria-label={label} className="flex flex-wrap rounded-md border p-0.5">
      {options.map((r) => (
        <button
          key={r.seconds}
          type="button"
          aria-pressed={value === r.seconds}
          onClick={() => onChange(r.seconds)}
          className={cn(
            "rounded-sm px-2 py-1 text-xs font-medium text-muted-foreground hover:text-foreground",
            value === r.seconds && "bg-primary text-primary-foreground hover:text-primary-foreground",
          )}
        >
          {r.label}
        </button>
      ))}
    </div>
  );
}

function StatsCard({
  kind,
  id,
  window,
  label,
  what,
}: {
  kind: MonitorKind;
  id: string;
  window: StatsWindow;
  label: string;
  what: string;
}) {
  const stats = useMonitorStats(kind, id, window);
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
            <dt className="text-muted-foreground">{what}</dt>
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

/** Statistics for 24 h, 7 d, 30 d and 90 d; `what` names the counted runs ("Checks", "Polls"). */
export function StatsSection({ kind, id, what = "Checks" }: { kind: MonitorKind; id: string; what?: string }) {
  return (
    <section aria-labelledby="statistics-title" className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
      <h2 id="statistics-title" className="sr-only">
        Statistics
      </h2>
      {WINDOWS.map((w) => (
        <StatsCard key={w.window} kind={kind} id={id} window={w.window} label={w.label} what={what} />
      ))}
    </section>
  );
}

export function ResponseTimeCard({
  kind,
  id,
  title = "Response time",
  initialRange = 86_400,
}: {
  kind: SeriesKind;
  id: string;
  title?: string;
  initialRange?: number;
}) {
  const [range, setRange] = useState<number>(initialRange);
  const series = useMonitorSeries(kind, id, range);
  const points = series.data?.points ?? [];
  const averages = points.map((p) => p.avg_ms).filter((v): v is number => typeof v === "number");
  const mean = averages.length ? averages.reduce((a, b) => a + b, 0) / averages.length : null;
  const slowest = points.reduce<number | null>((m, p) => (p.max_ms != null && (m === null || p.max_ms > m) ? p.max_ms : m), null);
  const rangeLabel = RANGES.find((r) => r.seconds === range)?.label ?? "";
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-center justify-between gap-2">
        <CardTitle id="response-time-title">{title}</CardTitle>
        <RangePicker label="Chart range" options={RANGES} value={range} onChange={setRange} />
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

export function UptimeCard({ kind, id, title = "Uptime, last 90 days" }: { kind: MonitorKind; id: string; title?: string }) {
  const uptime = useMonitorUptime(kind, id, 90);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
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

export function IncidentsCard({ kind, id }: { kind: MonitorKind; id: string }) {
  const [page, setPage] = useState(1);
  const incidents = useIncidents({ page, per_page: 10, target_type: kind, target_id: id, sort: "-started_at" });
  const items = incidents.data?.items ?? [];
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-baseline justify-between gap-2">
        <CardTitle>Incidents</CardTitle>
        {items.length ? (
          <Link
            to={`/incidents?state=all&kind=${kind}&monitor=${id}`}
            className="text-sm text-primary-text underline underline-offset-2"
          >
            All incidents of this {kind}
          </Link>
        ) : null}
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
                      <Link
                        to={`/incidents/${incident.id}`}
                        className="underline underline-offset-2"
                        title={formatAbsolute(incident.started_at)}
                      >
                        <time dateTime={incident.started_at}>{formatShort(incident.started_at)}</time>
                      </Link>
                      <span className="block text-xs whitespace-normal text-muted-foreground wrap-anywhere sm:hidden">
                        {incident.cause}
                      </span>
                    </TableCell>
                    <TableCell className="whitespace-nowrap">{formatDuration(incident.duration_s)}</TableCell>
                    <TableCell className="hidden min-w-48 wrap-anywhere sm:table-cell">{incident.cause}</TableCell>
                    <TableCell>
                      <IncidentStatusBadge incident={incident} />
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

export function ResultsCard({ kind, id, title = "Check results" }: { kind: MonitorKind; id: string; title?: string }) {
  // Older pages end before the oldest result of the page before (a cursor, newest first).
  const [cursors, setCursors] = useState<string[]>([]);
  const to = cursors.at(-1) ?? null;
  const results = useMonitorResults(kind, id, to, RESULTS_PER_PAGE);
  const items = results.data ?? [];
  const oldest = items.at(-1);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
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
                <TableHead scope="col" className="hidden text-right sm:table-cell">
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
                    <span className="ml-1 text-xs tabular-nums sm:hidden">{formatMs(r.response_ms)}</span>
                    {r.message ? (
                      <span className="mt-1 block text-xs text-muted-foreground wrap-anywhere sm:hidden">{r.message}</span>
                    ) : null}
                  </TableCell>
                  <TableCell className="hidden text-right tabular-nums sm:table-cell">{formatMs(r.response_ms)}</TableCell>
                  <TableCell className="hidden min-w-48 wrap-anywhere text-muted-foreground sm:table-cell">
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

/** One fact of a definition list. */
export function Setting({ label, children, className }: { label: string; children: ReactNode; className?: string }) {
  return (
    <div className={cn("flex flex-col gap-0.5", className)}>
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="text-sm wrap-anywhere">{children}</dd>
    </div>
  );
}

/** What a detail or edit page shows when its monitor cannot be loaded. */
export function MonitorLoadError({ error, noun, listPath }: { error: Error | null; noun: string; listPath: string }) {
  const missing = error instanceof ApiError && error.status === 404;
  return (
    <EmptyState
      icon={SearchX}
      title={missing ? `${noun.charAt(0).toUpperCase()}${noun.slice(1)} not found` : `Could not load this ${noun}`}
      action={
        <Button variant="outline" asChild>
          <Link to={listPath}>Back to {noun}s</Link>
        </Button>
      }
    >
      {missing ? "It may have been deleted." : error?.message}
    </EmptyState>
  );
}

/** The page's loading placeholder. */
export function DetailSkeleton() {
  return (
    <div className="flex flex-col gap-4" aria-busy="true" aria-label="Loading">
      <Skeleton className="h-10 w-64" />
      <Skeleton className="h-28" />
      <Skeleton className="h-60" />
    </div>
  );
}
