/** Sizes and rates as people read them: 1.5 GB, 12.3 MB/s, 1 Gbit/s. */

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB"] as const;

/** Bytes in binary multiples with decimal names, as `df -h` and most tools show them. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  if (bytes < 0) return `-${formatBytes(-bytes)}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** A byte rate ("12.3 MB/s"). */
export function formatRate(bytesPerS: number | null | undefined): string {
  const text = formatBytes(bytesPerS);
  return text === "—" ? text : `${text}/s`;
}

/** A link speed in megabits ("100 Mbit/s", "10 Gbit/s"). */
export function formatLinkSpeed(mbps: number | null | undefined): string {
  if (mbps === null || mbps === undefined || !Number.isFinite(mbps) || mbps <= 0) return "—";
  return mbps >= 1000 ? `${Number((mbps / 1000).toFixed(1))} Gbit/s` : `${mbps} Mbit/s`;
}

/** A plain percentage with one decimal ("42.5%"), for gauges rather than uptime. */
export function formatUsage(pct: number | null | undefined): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return "—";
  return `${pct.toFixed(1)}%`;
}
