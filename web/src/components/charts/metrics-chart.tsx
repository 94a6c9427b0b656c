/**
 * Host metrics over time: one line per series, one unit per chart, the x axis spanning
 * the range asked for (it moves with live data without rebuilding the chart). Loaded on
 * demand (uPlot stays out of the first-load bundle).
 */
import type uPlot from "uplot";
import { useRef } from "react";
import { formatShort } from "@/lib/time";
import { cssVar, fitAxisSize, useUplot } from "./use-uplot";

export interface SeriesSpec {
  label: string;
}

/** Colours that read on both themes: the theme's own, then evenly spread hues. */
export function seriesColour(index: number, count: number): string {
  const named = ["--primary-text", "--status-maintenance", "--status-pending", "--status-up", "--status-down"];
  if (count <= named.length) return cssVar(named[index]!) || "#888";
  const dark = document.documentElement.classList.contains("dark");
  return `hsl(${Math.round((index * 360) / count + 210) % 360} 70% ${dark ? 62 : 42}%)`;
}

export default function MetricsChart({
  data,
  series,
  format,
  fromS,
  toS,
  max,
  floor = 1,
  height = 200,
  legend = true,
}: {
  data: uPlot.AlignedData;
  series: SeriesSpec[];
  /** One value with its unit ("42.0%", "1.2 MB/s"). */
  format: (value: number) => string;
  /** The range shown, in Unix seconds. */
  fromS: number;
  toS: number;
  /** A fixed top of the y axis (100 for percentages); else it fits the data. */
  max?: number;
  /** The least top of a fitted y axis, so an idle host's zeros do not fill the chart (1 KB/s). */
  floor?: number;
  height?: number;
  legend?: boolean;
}) {
  const range = useRef({ fromS, toS });
  range.current = { fromS, toS };
  const formatRef = useRef(format);
  formatRef.current = format;
  const container = useUplot(
    () => {
      const text = cssVar("--muted-foreground");
      const grid = cssVar("--border");
      return {
        height,
        width: 600,
        cursor: { drag: { x: false, y: false } },
        legend: { show: legend },
        scales: {
          x: { time: true, range: () => [range.current.fromS, range.current.toS] },
          y: {
            range: (_u, _min, dataMax) => [0, max ?? Math.max(dataMax * 1.1, floor)],
          },
        },
        axes: [
          { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
          {
            stroke: text,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid },
            size: fitAxisSize,
            values: (_u, ticks) => ticks.map((v) => formatRef.current(v)),
          },
        ],
        series: [
          { value: (_u, v) => (v === null ? "—" : formatShort(v * 1000)) },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: seriesColour(i, series.length),
            width: series.length > 4 ? 1 : 1.5,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => (v === null ? "—" : formatRef.current(v)),
          })),
        ],
      } satisfies uPlot.Options;
    },
    data,
    height,
    `${series.map((s) => s.label).join("|")}:${max ?? ""}:${floor}:${legend}`,
  );
  return <div ref={container} className="w-full [&_.u-legend]:text-xs [&_.u-legend]:text-muted-foreground" />;
}
