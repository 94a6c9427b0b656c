/**
 * A response-time sparkline as a small inline SVG: cheap enough for a row per monitor
 * (no chart library), with gaps where there was no data and red ticks where checks failed.
 */
import type { SparkPoint } from "@/api/types";
import { formatMs } from "@/lib/format";

export interface SparkGeometry {
  /** SVG path of the line (`M` starts a new segment after a gap). */
  path: string;
  /** x positions of points with failed checks. */
  failures: number[];
  /** Points with no neighbour to draw a line to (a lone step), drawn as dots. */
  dots: { x: number; y: number }[];
  min: number | null;
  max: number | null;
  avg: number | null;
}

/** Lays `points` out in a `width` x `height` box (pure; tested). */
export function sparkGeometry(points: SparkPoint[], width: number, height: number, pad = 2): SparkGeometry {
  const values = points.map((p) => p.avg_ms).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const failures: number[] = [];
  const step = points.length > 1 ? (width - 2 * pad) / (points.length - 1) : 0;
  const xAt = (i: number) => (points.length > 1 ? pad + i * step : width / 2);
  points.forEach((p, i) => {
    if (typeof p.uptime_pct === "number" && p.uptime_pct < 100) failures.push(Number(xAt(i).toFixed(1)));
  });
  if (values.length === 0) return { path: "", failures, dots: [], min: null, max: null, avg: null };
  const min = Math.min(...values);
  const max = Math.max(...values);
  const avg = values.reduce((a, b) => a + b, 0) / values.length;
  const span = max - min || 1;
  const yAt = (v: number) => (max === min ? height / 2 : pad + (1 - (v - min) / span) * (height - 2 * pad));
  let path = "";
  let pen = false;
  const known = (i: number) => typeof points[i]?.avg_ms === "number" && Number.isFinite(points[i]!.avg_ms);
  const dots: { x: number; y: number }[] = [];
  points.forEach((p, i) => {
    if (typeof p.avg_ms !== "number" || !Number.isFinite(p.avg_ms)) {
      pen = false;
      return;
    }
    path += `${pen ? "L" : "M"}${xAt(i).toFixed(1)} ${yAt(p.avg_ms).toFixed(1)}`;
    if (!known(i - 1) && !known(i + 1)) dots.push({ x: Number(xAt(i).toFixed(1)), y: Number(yAt(p.avg_ms).toFixed(1)) });
    pen = true;
  });
  return { path, failures, dots, min, max, avg };
}

export function Sparkline({
  points,
  width = 120,
  height = 28,
  label = "Response time",
}: {
  points: SparkPoint[] | undefined;
  width?: number;
  height?: number;
  label?: string;
}) {
  if (!points || points.length === 0) {
    return <span className="text-xs text-muted-foreground">No data</span>;
  }
  const g = sparkGeometry(points, width, height);
  if (!g.path && g.failures.length === 0) {
    return <span className="text-xs text-muted-foreground">No data</span>;
  }
  const summary =
    g.avg === null
      ? `${label}: no response times`
      : `${label}: average ${formatMs(g.avg)}, lowest ${formatMs(g.min)}, highest ${formatMs(g.max)}${
          g.failures.length ? `, ${g.failures.length} periods with failures` : ""
        }`;
  return (
    <svg
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={summary}
      className="block overflow-visible"
    >
      <title>{summary}</title>
      {g.failures.map((x) => (
        <line key={x} x1={x} x2={x} y1={height - 5} y2={height} className="stroke-down" strokeWidth={2} />
      ))}
      {g.dots.map((d) => (
        <circle key={d.x} cx={d.x} cy={d.y} r={1.5} className="fill-primary-text" />
      ))}
      {g.path ? (
        <path
          d={g.path}
          fill="none"
          className="stroke-primary-text"
          strokeWidth={1.5}
          strokeLinejoin="round"
          strokeLinecap="round"
        />
      ) : null}
    </svg>
  );
}
