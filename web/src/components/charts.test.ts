import { describe, expect, it } from "vitest";
import { toColumns } from "./charts/response-time-chart";
import { sparkGeometry } from "./sparkline";
import { dayColour, fillDays } from "./uptime-bars";

describe("sparkline geometry", () => {
  it("draws a line with a gap where there was no data and marks failures", () => {
    const g = sparkGeometry(
      [
        { t: "a", avg_ms: 100, uptime_pct: 100 },
        { t: "b", avg_ms: 200, uptime_pct: 50 },
        { t: "c", avg_ms: null, uptime_pct: null },
        { t: "d", avg_ms: 100, uptime_pct: 100 },
      ],
      32,
      10,
      1,
    );
    expect(g.path).toBe("M1.0 9.0L11.0 1.0M31.0 9.0");
    expect(g.failures).toEqual([11]);
    // The lone last step has no line to draw: it is a dot.
    expect(g.dots).toEqual([{ x: 31, y: 9 }]);
    expect(g).toMatchObject({ min: 100, max: 200 });
    expect(g.avg).toBeCloseTo(133.33, 1);
  });

  it("has no line without data", () => {
    expect(sparkGeometry([{ t: "a", avg_ms: null, uptime_pct: null }], 10, 10).path).toBe("");
  });
});

describe("uptime bars", () => {
  it("fills the days the server had nothing for", () => {
    const days = fillDays(
      [{ date: "2026-03-01", checks: 10, incidents: 1, uptime_pct: 90, avg_ms: 5 }],
      3,
      new Date("2026-03-02T10:00:00Z"),
    );
    expect(days.map((d) => [d.date, d.uptime_pct])).toEqual([
      ["2026-02-28", null],
      ["2026-03-01", 90],
      ["2026-03-02", null],
    ]);
  });

  it("colours days by uptime", () => {
    expect(dayColour(null)).toBe("bg-none");
    expect(dayColour(100)).toBe("bg-up");
    expect(dayColour(99)).toBe("bg-pending");
    expect(dayColour(80)).toBe("bg-down");
  });
});

describe("response-time chart columns", () => {
  it("inserts a null step where the series skipped steps", () => {
    const [xs, avg, max, failed] = toColumns(
      [
        { t: "2026-03-01T00:00:00Z", checks: 2, up: 2, avg_ms: 10, max_ms: 12 },
        { t: "2026-03-01T00:01:00Z", checks: 2, up: 1, avg_ms: 20, max_ms: 30 },
        { t: "2026-03-01T00:05:00Z", checks: 1, up: 1, avg_ms: 15, max_ms: 15 },
      ],
      60,
    );
    const t0 = Date.parse("2026-03-01T00:00:00Z") / 1000;
    expect(xs).toEqual([t0, t0 + 60, t0 + 120, t0 + 300]);
    expect(avg).toEqual([10, 20, null, 15]);
    expect(max).toEqual([12, 30, null, 15]);
    expect(failed).toEqual([null, 0, null, null]);
  });
});
