/**
 * Instance metrics as the charts need them. History (`GET /instances/{id}/metrics`) holds
 * the headline numbers per step; the newest snapshots (`/metrics/latest`, then `metrics`
 * events on the live socket) hold everything, per core, mount, interface and GPU. A chart
 * shows the history and continues it with the snapshots that arrived after it.
 */
import type uPlot from "uplot";
import type { MetricPoint } from "@/api/types";

/** One agent snapshot (the agent's `GET /v1/metrics`). */
export interface Snapshot {
  timestamp: string;
  uptime_s: number;
  cpu: { usage_pct: number; per_core_pct: number[]; load: [number, number, number] };
  memory: { total_bytes: number; used_bytes: number; used_pct: number; swap_total_bytes: number; swap_used_bytes: number };
  disks: {
    mount: string;
    device: string;
    fs: string;
    total_bytes: number;
    used_bytes: number;
    used_pct: number;
    read_bytes_per_s: number | null;
    write_bytes_per_s: number | null;
  }[];
  networks: {
    name: string;
    rx_bytes: number;
    tx_bytes: number;
    rx_bytes_per_s: number | null;
    tx_bytes_per_s: number | null;
    speed_mbps: number | null;
    rx_pct: number | null;
    tx_pct: number | null;
  }[];
  gpus: {
    index: number;
    name: string;
    utilization_pct: number;
    memory_total_bytes: number;
    memory_used_bytes: number;
    temperature_c: number;
    power_w: number;
  }[];
  custom?: { plugin: string; name: string; value: number; unit?: string }[];
}

/** The metrics history keeps, as the server names them. */
export const METRIC_NAMES = [
  "cpu_pct",
  "load1",
  "mem_pct",
  "mem_used",
  "swap_pct",
  "disk_pct",
  "disk_read_bps",
  "disk_write_bps",
  "net_rx_bps",
  "net_tx_bps",
  "gpu_pct",
  "gpu_mem_pct",
  "gpu_temp_c",
  "gpu_power_w",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** A snapshot as it arrives (JSON of unknown shape): kept only when it looks like one. */
export function asSnapshot(value: unknown): Snapshot | null {
  if (typeof value !== "object" || value === null) return null;
  const s = value as Partial<Snapshot>;
  if (typeof s.timestamp !== "string" || Number.isNaN(Date.parse(s.timestamp))) return null;
  if (typeof s.cpu !== "object" || s.cpu === null || typeof s.memory !== "object" || s.memory === null) return null;
  return {
    ...(s as Snapshot),
    cpu: { usage_pct: s.cpu.usage_pct, per_core_pct: s.cpu.per_core_pct ?? [], load: s.cpu.load ?? [0, 0, 0] },
    disks: s.disks ?? [],
    networks: s.networks ?? [],
    gpus: s.gpus ?? [],
  };
}

function finite(v: number | null | undefined): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** The sum of the known rates; unknown when none is (a first sample). */
function knownSum(values: (number | null | undefined)[]): number | null {
  let sum: number | null = null;
  for (const v of values) if (typeof v === "number" && Number.isFinite(v)) sum = (sum ?? 0) + v;
  return sum;
}

/** The numbers history keeps for a snapshot, computed as the server computes them. */
export function snapshotValues(s: Snapshot): Record<MetricName, number | null> {
  const gpus = s.gpus;
  const gpuMemTotal = gpus.reduce((a, g) => a + g.memory_total_bytes, 0);
  const gpuMemUsed = gpus.reduce((a, g) => a + g.memory_used_bytes, 0);
  const anyGpu = gpus.length > 0;
  const fullest = s.disks.reduce<number | null>((m, d) => (m === null || d.used_pct > m ? d.used_pct : m), null);
  return {
    cpu_pct: finite(s.cpu.usage_pct),
    load1: finite(s.cpu.load[0]),
    mem_pct: finite(s.memory.used_pct),
    mem_used: finite(s.memory.used_bytes),
    swap_pct: s.memory.swap_total_bytes > 0 ? finite((s.memory.swap_used_bytes * 100) / s.memory.swap_total_bytes) : null,
    disk_pct: finite(fullest),
    disk_read_bps: knownSum(s.disks.map((d) => d.read_bytes_per_s)),
    disk_write_bps: knownSum(s.disks.map((d) => d.write_bytes_per_s)),
    net_rx_bps: knownSum(s.networks.map((n) => n.rx_bytes_per_s)),
    net_tx_bps: knownSum(s.networks.map((n) => n.tx_bytes_per_s)),
    gpu_pct: anyGpu ? finite(gpus.reduce((a, g) => a + g.utilization_pct, 0) / gpus.length) : null,
    gpu_mem_pct: gpuMemTotal > 0 ? finite((gpuMemUsed * 100) / gpuMemTotal) : null,
    gpu_temp_c: anyGpu ? finite(Math.max(...gpus.map((g) => g.temperature_c))) : null,
    gpu_power_w: anyGpu ? finite(gpus.reduce((a, g) => a + g.power_w, 0)) : null,
  };
}

/** Most snapshots kept for the live charts (an hour at the default 10 s). */
export const LIVE_CAP = 360;

/** `buffer` with `incoming` added in time order, each instant once, the newest `cap` kept. */
export function addSnapshots(buffer: readonly Snapshot[], incoming: readonly Snapshot[], cap = LIVE_CAP): Snapshot[] {
  if (incoming.length === 0) return buffer as Snapshot[];
  const byTime = new Map<number, Snapshot>();
  for (const s of buffer) byTime.set(Date.parse(s.timestamp), s);
  for (const s of incoming) byTime.set(Date.parse(s.timestamp), s);
  const sorted = [...byTime.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
  return sorted.length > cap ? sorted.slice(sorted.length - cap) : sorted;
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * Columns for uPlot: the history's average per step for each of `metrics`, then the live
 * snapshots newer than the history's last step, with a null step wherever time skips
 * more than one and a half steps (a gap in the line, not a slope across it).
 */
export function metricColumns(
  points: readonly MetricPoint[],
  live: readonly Snapshot[],
  metrics: readonly MetricName[],
  stepS: number,
): uPlot.AlignedData {
  const rows: { t: number; values: (number | null)[] }[] = points.map((p) => ({
    t: seconds(p.t),
    values: metrics.map((m) => finite(p.values[m]?.avg)),
  }));
  const historyEnd = rows.length ? rows[rows.length - 1]!.t + stepS : -Infinity;
  for (const s of live) {
    const t = Date.parse(s.timestamp) / 1000;
    if (t < historyEnd) continue;
    const values = snapshotValues(s);
    rows.push({ t, values: metrics.map((m) => values[m]) });
  }
  return toAligned(rows, metrics.length, stepS);
}

/** Per-core usage from the live snapshots: one column per core (the most any snapshot had). */
export function coreColumns(live: readonly Snapshot[], expectedStepS: number): uPlot.AlignedData {
  const cores = live.reduce((m, s) => Math.max(m, s.cpu.per_core_pct.length), 0);
  const rows = live.map((s) => ({
    t: Date.parse(s.timestamp) / 1000,
    values: Array.from({ length: cores }, (_, i) => finite(s.cpu.per_core_pct[i])),
  }));
  return toAligned(rows, cores, expectedStepS);
}

function toAligned(rows: { t: number; values: (number | null)[] }[], width: number, stepS: number): uPlot.AlignedData {
  const xs: number[] = [];
  const columns: (number | null)[][] = Array.from({ length: width }, () => []);
  let previous: number | null = null;
  for (const row of rows) {
    if (previous !== null && row.t <= previous) continue;
    if (previous !== null && row.t - previous > Math.max(stepS, 1) * 1.5) {
      xs.push(previous + Math.max(stepS, 1));
      for (const c of columns) c.push(null);
    }
    xs.push(row.t);
    row.values.forEach((v, i) => columns[i]!.push(v));
    previous = row.t;
  }
  return [xs, ...columns];
}

/** Whether any value of `metrics` is known in the history or the live snapshots. */
export function hasAny(points: readonly MetricPoint[], live: readonly Snapshot[], metrics: readonly MetricName[]): boolean {
  if (points.some((p) => metrics.some((m) => p.values[m] !== undefined))) return true;
  return live.some((s) => {
    const v = snapshotValues(s);
    return metrics.some((m) => v[m] !== null);
  });
}
