/**
 * An instance's metrics, live: charts of CPU, memory, disks, network and GPU over a chosen
 * range (history from the server, continued by each snapshot the live socket brings),
 * CPU per core since the page opened, and the newest snapshot's filesystems, interfaces
 * and GPUs in tables.
 */
import { Activity } from "lucide-react";
import { lazy, Suspense, useMemo, useState, type ReactNode } from "react";
import type { MetricPoint } from "@/api/types";
import { EmptyState } from "@/components/empty-state";
import { RangePicker } from "@/components/monitor-detail";
import { RelativeTime } from "@/components/relative-time";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useNow } from "@/lib/clock";
import { cn } from "@/lib/cn";
import { coreColumns, hasAny, metricColumns, snapshotValues, type MetricName, type Snapshot } from "@/lib/metrics";
import { formatDuration } from "@/lib/time";
import { formatBytes, formatLinkSpeed, formatRate, formatUsage } from "@/lib/units";
import { useInstanceLive, useInstanceMetrics } from "@/queries/instances";

const MetricsChart = lazy(() => import("@/components/charts/metrics-chart"));

const METRIC_RANGES = [
  { label: "15 min", seconds: 900 },
  { label: "1 h", seconds: 3600 },
  { label: "6 h", seconds: 6 * 3600 },
  { label: "24 h", seconds: 86_400 },
  { label: "7 d", seconds: 7 * 86_400 },
  { label: "30 d", seconds: 30 * 86_400 },
] as const;

const formatLoad = (v: number) => v.toFixed(2);
const formatCelsius = (v: number) => `${Math.round(v)} °C`;

interface ChartSpec {
  id: string;
  title: string;
  metrics: MetricName[];
  labels: string[];
  format: (v: number) => string;
  max?: number;
  /** The least top of the y axis when it fits the data. */
  floor?: number;
  /** Shown only when the host has the hardware (GPUs). */
  optional?: boolean;
}

const CHARTS: ChartSpec[] = [
  { id: "cpu", title: "CPU", metrics: ["cpu_pct"], labels: ["Usage"], format: formatUsage, max: 100 },
  { id: "load", title: "Load average (1 min)", metrics: ["load1"], labels: ["Load"], format: formatLoad, floor: 1 },
  { id: "memory", title: "Memory", metrics: ["mem_pct", "swap_pct"], labels: ["Memory", "Swap"], format: formatUsage, max: 100 },
  {
    id: "disk-space",
    title: "Disk space (fullest filesystem)",
    metrics: ["disk_pct"],
    labels: ["Used"],
    format: formatUsage,
    max: 100,
  },
  {
    id: "disk-io",
    title: "Disk I/O",
    metrics: ["disk_read_bps", "disk_write_bps"],
    labels: ["Read", "Write"],
    format: formatRate,
    floor: 1024,
  },
  {
    id: "network",
    title: "Network",
    metrics: ["net_rx_bps", "net_tx_bps"],
    labels: ["Received", "Sent"],
    format: formatRate,
    floor: 1024,
  },
  {
    id: "gpu",
    title: "GPU",
    metrics: ["gpu_pct", "gpu_mem_pct"],
    labels: ["Utilisation", "Memory"],
    format: formatUsage,
    max: 100,
    optional: true,
  },
  {
    id: "gpu-temp",
    title: "GPU temperature",
    metrics: ["gpu_temp_c"],
    labels: ["Hottest"],
    format: formatCelsius,
    floor: 50,
    optional: true,
  },
];

/** "average 12.0%, highest 40.5%" over the known values of a column. */
function describe(column: readonly (number | null | undefined)[], format: (v: number) => string): string {
  const values = column.filter((v): v is number => typeof v === "number");
  if (values.length === 0) return "no data";
  const avg = values.reduce((a, b) => a + b, 0) / values.length;
  return `average ${format(avg)}, highest ${format(Math.max(...values))}`;
}

function ChartCard({
  spec,
  points,
  live,
  stepS,
  fromS,
  toS,
  rangeLabel,
  loading,
}: {
  spec: ChartSpec;
  points: MetricPoint[];
  live: Snapshot[];
  stepS: number;
  fromS: number;
  toS: number;
  rangeLabel: string;
  loading: boolean;
}) {
  const data = useMemo(() => metricColumns(points, live, spec.metrics, stepS), [points, live, spec.metrics, stepS]);
  const latest = live.at(-1);
  const now = latest ? snapshotValues(latest) : null;
  const titleId = `metric-${spec.id}-title`;
  const summary = spec.labels.map((label, i) => `${label}: ${describe(Array.from(data[i + 1] ?? []), spec.format)}`).join("; ");
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-baseline justify-between gap-x-3 gap-y-1">
        <CardTitle id={titleId}>{spec.title}</CardTitle>
        {now ? (
          <p className="text-sm tabular-nums">
            {spec.metrics.map((m, i) => (
              <span key={m} className="ml-3 first:ml-0">
                {spec.metrics.length > 1 ? <span className="text-muted-foreground">{spec.labels[i]} </span> : null}
                <span className="font-semibold">{now[m] === null ? "—" : spec.format(now[m])}</span>
              </span>
            ))}
          </p>
        ) : null}
      </CardHeader>
      <CardContent>
        <figure aria-labelledby={titleId}>
          {loading ? (
            <Skeleton className="h-[200px]" />
          ) : (
            <Suspense fallback={<Skeleton className="h-[200px]" />}>
              <MetricsChart
                data={data}
                series={spec.labels.map((label) => ({ label }))}
                format={spec.format}
                fromS={fromS}
                toS={toS}
                {...(spec.max !== undefined ? { max: spec.max } : {})}
                {...(spec.floor !== undefined ? { floor: spec.floor } : {})}
              />
            </Suspense>
          )}
          <figcaption className="sr-only">
            {spec.title}, last {rangeLabel}: {summary}.
          </figcaption>
        </figure>
      </CardContent>
    </Card>
  );
}

/** A labelled bar for a share (0-100), with the number in text. */
export function UsageBar({ pct, label, className }: { pct: number | null | undefined; label: string; className?: string }) {
  const value = typeof pct === "number" && Number.isFinite(pct) ? Math.min(100, Math.max(0, pct)) : null;
  const tone = value === null ? "bg-none" : value >= 90 ? "bg-down" : value >= 75 ? "bg-pending" : "bg-primary";
  return (
    <div className={cn("flex items-center gap-2", className)}>
      <div
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value ?? undefined}
        aria-valuetext={formatUsage(value)}
        className="h-2 min-w-16 flex-1 overflow-hidden rounded-full bg-muted"
      >
        <div className={cn("h-full rounded-full", tone)} style={{ width: `${value ?? 0}%` }} />
      </div>
      <span className="w-14 text-right text-xs tabular-nums">{formatUsage(value)}</span>
    </div>
  );
}

function CoresCard({ live, intervalS, toS }: { live: Snapshot[]; intervalS: number; toS: number }) {
  const data = useMemo(() => coreColumns(live, intervalS), [live, intervalS]);
  const latest = live.at(-1);
  const cores = latest?.cpu.per_core_pct ?? [];
  const fromS = live.length ? Math.min(Date.parse(live[0]!.timestamp) / 1000, toS - 60) : toS - 600;
  return (
    <Card className="xl:col-span-2">
      <CardHeader>
        <CardTitle id="metric-cores-title">CPU per core</CardTitle>
        <p className="text-xs text-muted-foreground">
          Live since this page opened: history keeps the total only.
          {latest ? <> Load {latest.cpu.load.map((l) => l.toFixed(2)).join(", ")} (1, 5, 15 min).</> : null}
        </p>
      </CardHeader>
      <CardContent className="grid gap-4 lg:grid-cols-[2fr_1fr]">
        <figure aria-labelledby="metric-cores-title">
          {live.length < 2 ? (
            <p className="flex h-[200px] items-center justify-center rounded-md border border-dashed text-sm text-muted-foreground">
              Waiting for the next snapshots…
            </p>
          ) : (
            <Suspense fallback={<Skeleton className="h-[200px]" />}>
              <MetricsChart
                data={data}
                series={cores.map((_, i) => ({ label: `Core ${i}` }))}
                format={formatUsage}
                fromS={fromS}
                toS={toS}
                max={100}
                legend={cores.length <= 8}
              />
            </Suspense>
          )}
        </figure>
        <ul
          aria-label="Usage per core now"
          className="grid max-h-64 grid-cols-1 gap-1.5 overflow-y-auto pr-1 sm:grid-cols-2 lg:grid-cols-1"
        >
          {cores.map((pct, i) => (
            <li key={i} className="flex items-center gap-2 text-xs">
              <span className="w-14 shrink-0 text-muted-foreground">Core {i}</span>
              <UsageBar pct={pct} label={`Core ${i}`} className="flex-1" />
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card className="xl:col-span-2">
      <CardHeader>
        <CardTitle>{title}</CardTitle>
      </CardHeader>
      <CardContent>{children}</CardContent>
    </Card>
  );
}

function Hardware({ snapshot }: { snapshot: Snapshot }) {
  return (
    <>
      <Section title="Filesystems">
        {snapshot.disks.length === 0 ? (
          <p className="text-sm text-muted-foreground">No filesystems reported.</p>
        ) : (
          <Table>
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead scope="col">Mount</TableHead>
                <TableHead scope="col" className="min-w-40">
                  Used
                </TableHead>
                <TableHead scope="col" className="hidden text-right sm:table-cell">
                  Size
                </TableHead>
                <TableHead scope="col" className="hidden text-right md:table-cell">
                  Read, write
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {snapshot.disks.map((d) => (
                <TableRow key={d.mount}>
                  <TableCell>
                    <span className="font-mono text-xs">{d.mount}</span>
                    <span className="block text-xs text-muted-foreground">
                      {d.device} · {d.fs}
                    </span>
                  </TableCell>
                  <TableCell>
                    <UsageBar pct={d.used_pct} label={`${d.mount} used`} />
                    <span className="text-xs text-muted-foreground sm:hidden">
                      {formatBytes(d.used_bytes)} of {formatBytes(d.total_bytes)}
                    </span>
                  </TableCell>
                  <TableCell className="hidden text-right whitespace-nowrap tabular-nums sm:table-cell">
                    {formatBytes(d.used_bytes)} of {formatBytes(d.total_bytes)}
                  </TableCell>
                  <TableCell className="hidden text-right whitespace-nowrap tabular-nums md:table-cell">
                    {formatRate(d.read_bytes_per_s)}, {formatRate(d.write_bytes_per_s)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Section>
      <Section title="Network interfaces">
        {snapshot.networks.length === 0 ? (
          <p className="text-sm text-muted-foreground">No interfaces reported.</p>
        ) : (
          <Table>
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead scope="col">Interface</TableHead>
                <TableHead scope="col" className="text-right">
                  Received
                </TableHead>
                <TableHead scope="col" className="text-right">
                  Sent
                </TableHead>
                <TableHead scope="col" className="hidden text-right md:table-cell">
                  Link
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {snapshot.networks.map((n) => (
                <TableRow key={n.name}>
                  <TableCell className="font-mono text-xs">{n.name}</TableCell>
                  <TableCell className="text-right whitespace-nowrap tabular-nums">
                    {formatRate(n.rx_bytes_per_s)}
                    <span className="block text-xs text-muted-foreground">{formatBytes(n.rx_bytes)} in all</span>
                  </TableCell>
                  <TableCell className="text-right whitespace-nowrap tabular-nums">
                    {formatRate(n.tx_bytes_per_s)}
                    <span className="block text-xs text-muted-foreground">{formatBytes(n.tx_bytes)} in all</span>
                  </TableCell>
                  <TableCell className="hidden text-right whitespace-nowrap md:table-cell">
                    {formatLinkSpeed(n.speed_mbps)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Section>
      {snapshot.gpus.length ? (
        <Section title="GPUs">
          <Table>
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead scope="col">GPU</TableHead>
                <TableHead scope="col" className="min-w-32">
                  Utilisation
                </TableHead>
                <TableHead scope="col" className="min-w-32">
                  Memory
                </TableHead>
                <TableHead scope="col" className="hidden text-right sm:table-cell">
                  Temperature, power
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {snapshot.gpus.map((g) => {
                const memPct = g.memory_total_bytes > 0 ? (g.memory_used_bytes * 100) / g.memory_total_bytes : null;
                return (
                  <TableRow key={g.index}>
                    <TableCell>
                      {g.index}: {g.name}
                    </TableCell>
                    <TableCell>
                      <UsageBar pct={g.utilization_pct} label={`GPU ${g.index} utilisation`} />
                    </TableCell>
                    <TableCell>
                      <UsageBar pct={memPct} label={`GPU ${g.index} memory`} />
                      <span className="text-xs text-muted-foreground">
                        {formatBytes(g.memory_used_bytes)} of {formatBytes(g.memory_total_bytes)}
                      </span>
                    </TableCell>
                    <TableCell className="hidden text-right whitespace-nowrap tabular-nums sm:table-cell">
                      {formatCelsius(g.temperature_c)}, {g.power_w.toFixed(0)} W
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </Section>
      ) : null}
      {snapshot.custom?.length ? (
        <Section title="Plugin metrics">
          <Table>
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead scope="col">Plugin</TableHead>
                <TableHead scope="col">Metric</TableHead>
                <TableHead scope="col" className="text-right">
                  Value
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {snapshot.custom.map((m) => (
                <TableRow key={`${m.plugin}/${m.name}`}>
                  <TableCell className="font-mono text-xs">{m.plugin}</TableCell>
                  <TableCell>{m.name}</TableCell>
                  <TableCell className="text-right tabular-nums">
                    {m.value}
                    {m.unit ? ` ${m.unit}` : ""}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Section>
      ) : null}
    </>
  );
}

export function MetricsSection({ id, intervalS }: { id: string; intervalS: number }) {
  const [range, setRange] = useState<number>(3600);
  const history = useInstanceMetrics(id, range);
  const live = useInstanceLive(id);
  const clock = useNow();
  const snapshots = live.data ?? [];
  const points = history.data?.points ?? [];
  const latest = snapshots.at(-1);
  const lastLiveS = latest ? Date.parse(latest.timestamp) / 1000 : 0;
  const toS = Math.max(Math.floor(Math.max(clock, Date.now()) / 1000), Math.ceil(lastLiveS));
  const fromS = toS - range;
  const rangeLabel = METRIC_RANGES.find((r) => r.seconds === range)?.label ?? "";
  const stepS = history.data?.step_s ?? intervalS;
  const nothingYet = !history.isPending && !live.isPending && points.length === 0 && snapshots.length === 0;

  return (
    <section aria-labelledby="metrics-title" className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <h2 id="metrics-title" className="text-lg font-semibold">
            Metrics
          </h2>
          <p className="text-xs text-muted-foreground" aria-live="polite">
            {latest ? (
              <>
                Newest snapshot <RelativeTime value={latest.timestamp} /> · host up {formatDuration(latest.uptime_s)}
              </>
            ) : (
              "No snapshot yet."
            )}
            {history.data ? ` · history one point per ${formatDuration(history.data.step_s)}` : ""}
          </p>
        </div>
        <RangePicker label="Metrics range" options={METRIC_RANGES} value={range} onChange={setRange} />
      </div>
      {history.isError ? (
        <p className="text-sm text-destructive-text">Could not load the history: {history.error.message}</p>
      ) : null}
      {live.isError ? (
        <p className="text-sm text-destructive-text">Could not load the newest snapshot: {live.error.message}</p>
      ) : null}
      {nothingYet ? (
        <EmptyState icon={Activity} title="No metrics yet">
          The charts fill in once the agent reports: install it with the command below (push), or check that the server can reach
          it (pull).
        </EmptyState>
      ) : (
        <div className={cn("grid gap-4 xl:grid-cols-2", history.isPlaceholderData && "opacity-70")}>
          {CHARTS.filter((spec) => !spec.optional || hasAny(points, snapshots, spec.metrics)).map((spec) => (
            <ChartCard
              key={spec.id}
              spec={spec}
              points={points}
              live={snapshots}
              stepS={stepS}
              fromS={fromS}
              toS={toS}
              rangeLabel={rangeLabel}
              loading={history.isPending}
            />
          ))}
          {latest && latest.cpu.per_core_pct.length ? <CoresCard live={snapshots} intervalS={intervalS} toS={toS} /> : null}
          {latest ? <Hardware snapshot={latest} /> : null}
        </div>
      )}
    </section>
  );
}
