/** One bar per day: green when all checks passed, amber below 99.9 %, red below 95 %. */
import type { DayBucket } from "@/api/types";
import { cn } from "@/lib/cn";
import { formatCount, formatPct } from "@/lib/format";
import { formatDay } from "@/lib/time";

/** The last `count` UTC days ending today, each with its bucket or an empty one. */
export function fillDays(buckets: DayBucket[], count: number, now: Date = new Date()): DayBucket[] {
  const byDate = new Map(buckets.map((b) => [b.date, b]));
  const out: DayBucket[] = [];
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (let i = count - 1; i >= 0; i--) {
    const date = new Date(today - i * 86_400_000).toISOString().slice(0, 10);
    out.push(byDate.get(date) ?? { date, checks: 0, incidents: 0, uptime_pct: null, avg_ms: null });
  }
  return out;
}

export function dayColour(uptimePct: number | null | undefined): string {
  if (uptimePct === null || uptimePct === undefined) return "bg-none";
  if (uptimePct >= 99.9) return "bg-up";
  if (uptimePct >= 95) return "bg-pending";
  return "bg-down";
}

function dayTitle(day: DayBucket): string {
  const parts = [formatDay(`${day.date}T00:00:00Z`)];
  if (day.uptime_pct === null || day.uptime_pct === undefined) parts.push("no data");
  else parts.push(`${formatPct(day.uptime_pct)} up`, `${formatCount(day.checks)} checks`);
  if (day.incidents > 0) parts.push(`${day.incidents} incident${day.incidents === 1 ? "" : "s"}`);
  return parts.join(" · ");
}

export function UptimeBars({ days, label }: { days: DayBucket[]; label: string }) {
  const measured = days.filter((d) => d.uptime_pct !== null && d.uptime_pct !== undefined);
  const checks = measured.reduce((a, d) => a + d.checks, 0);
  const weighted = checks > 0 ? measured.reduce((a, d) => a + (d.uptime_pct ?? 0) * d.checks, 0) / checks : null;
  const incidents = days.reduce((a, d) => a + d.incidents, 0);
  const worst = measured.reduce<DayBucket | null>(
    (w, d) => (w === null || (d.uptime_pct ?? 100) < (w.uptime_pct ?? 100) ? d : w),
    null,
  );
  const summary = `${label}: ${weighted === null ? "no data" : `${formatPct(weighted)} up`}, ${incidents} incident${incidents === 1 ? "" : "s"}${
    worst && (worst.uptime_pct ?? 100) < 100
      ? `, worst day ${formatDay(`${worst.date}T00:00:00Z`)} at ${formatPct(worst.uptime_pct)}`
      : ""
  }`;
  return (
    <div>
      <div role="img" aria-label={summary} className="flex h-8 items-stretch gap-px">
        {days.map((day) => (
          <span key={day.date} title={dayTitle(day)} className={cn("min-w-0 flex-1 rounded-[1px]", dayColour(day.uptime_pct))} />
        ))}
      </div>
      <div className="mt-1 flex justify-between text-xs text-muted-foreground">
        <span>{days[0] ? formatDay(`${days[0].date}T00:00:00Z`) : ""}</span>
        <span>{weighted === null ? "No data" : `${formatPct(weighted)} up`}</span>
        <span>Today</span>
      </div>
    </div>
  );
}
