/**
 * The one hook every chart uses: creates a uPlot chart in a container, keeps it as wide
 * as the container, gives it the theme's colours (read from the CSS variables, so it
 * follows light/dark and the colour theme), and updates data without rebuilding.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useEffect, useRef, useState } from "react";

/** A CSS variable's value on <html>, for canvas drawing. */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Bumps whenever <html>'s theme (class or data-color) changes. */
function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const observer = new MutationObserver(() => setVersion((v) => v + 1));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["class", "data-color"] });
    return () => observer.disconnect();
  }, []);
  return version;
}

export function useUplot(
  makeOptions: (width: number) => uPlot.Options,
  data: uPlot.AlignedData,
  height: number,
  /** Rebuilds the chart when this changes (options that depend on props). */
  optionsKey = "",
) {
  const container = useRef<HTMLDivElement | null>(null);
  const chart = useRef<uPlot | null>(null);
  const theme = useThemeVersion();
  const latestData = useRef(data);
  latestData.current = data;
  const makeRef = useRef(makeOptions);
  makeRef.current = makeOptions;

  // (Re)build when the theme or height changes; options read colours at build time.
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const width = Math.max(200, el.clientWidth);
    const plot = new uPlot({ ...makeRef.current(width), width, height }, latestData.current, el);
    chart.current = plot;
    const resize = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, [theme, height, optionsKey]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  return container;
}

/** A y axis as wide as its longest tick label, so labels such as "5.72 MB/s" are never cut. */
export function fitAxisSize(self: uPlot, values: string[] | null, axisIdx: number): number {
  const axis = self.axes[axisIdx]!;
  const longest = (values ?? []).reduce((a, v) => (v.length > a.length ? v : a), "");
  let size = (axis.ticks?.size ?? 10) + (axis.gap ?? 5) + 4;
  if (longest) {
    self.ctx.font = axis.font?.[0] ?? self.ctx.font;
    size += self.ctx.measureText(longest).width / devicePixelRatio;
  }
  return Math.ceil(size);
}
