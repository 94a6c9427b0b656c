/**
 * Response time over a range: the average per step as a line, the slowest as a faint
 * line above it, steps with failed checks marked along the bottom. Loaded on demand
 * (uPlot stays out of the first-load bundle).
 */
import type uPlot from "uplot";
import { useMemo } from "react";
import type { SeriesPoint } from "@/api/types";
import { formatMs } from "@/lib/format";
import { formatShort } from "@/lib/time";
import { cssVar, fitAxisSize, useUplot } from "./use-uplot";

/** Columns for uPlot, with a null step wherever the series skipped one (a gap in the line). */
export function toColumns(points: SeriesPoint[], stepS: number): uPlot.AlignedData {
  const xs: number[] = [];
  const avg: (number | null)[] = [];
  const max: (number | null)[] = [];
  const failed: (number | null)[] = [];
  let previous: number | null = null;
  for (const p of points) {
    const t = Math.floor(new Date(p.t).getTime() / 1000);
    if (previous !== null && t - previous > stepS * 1.5) {
      xs.push(previous + stepS);
      avg.push(null);
      max.push(null);
      failed.push(null);
    }
    xs.push(t);
    avg.push(p.avg_ms ?? null);
    max.push(p.max_ms ?? null);
    failed.push(p.checks > p.up ? 0 : null);
    previous = t;
  }
  return [xs, avg, max, failed];
}

export default function ResponseTimeChart({
  points,
  stepS,
  fromS,
  toS,
  height = 240,
}: {
  points: SeriesPoint[];
  stepS: number;
  /** The range asked for, in Unix seconds: the axis spans it even where data is sparse. */
  fromS: number;
  toS: number;
  height?: number;
}) {
  const data = useMemo(() => toColumns(points, stepS), [points, stepS]);
  const container = useUplot(
    () => {
      const text = cssVar("--muted-foreground");
      const grid = cssVar("--border");
      const line = cssVar("--primary-text");
      const down = cssVar("--status-down");
      return {
        height,
        width: 600,
        cursor: { drag: { x: true, y: false } },
        legend: { show: true },
        scales: { x: { time: true, range: () => [fromS, toS] }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
        axes: [
          { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
          {
            stroke: text,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid },
            size: fitAxisSize,
            values: (_u, ticks) => ticks.map((v) => formatMs(v)),
          },
        ],
        series: [
          { value: (_u, v) => (v === null ? "—" : formatShort(v * 1000)) },
          { label: "Average", stroke: line, width: 2, value: (_u, v) => formatMs(v) },
          { label: "Slowest", stroke: line, width: 1, dash: [4, 4], alpha: 0.6, value: (_u, v) => formatMs(v) },
          {
            label: "Failures",
            stroke: down,
            width: 0,
            points: { show: true, size: 6, fill: down, stroke: down },
            paths: () => null,
            value: (_u, v) => (v === null ? "—" : "yes"),
          },
        ],
      } satisfies uPlot.Options;
    },
    data,
    height,
    `${fromS}:${toS}`,
  );
  return <div ref={container} className="w-full [&_.u-legend]:text-xs [&_.u-legend]:text-muted-foreground" />;
}
