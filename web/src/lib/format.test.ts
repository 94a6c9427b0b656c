import { describe, expect, it } from "vitest";
import { formatCount, formatFraction, formatMs, formatPct } from "./format";
import { formatAbsolute, formatDuration, formatRelative } from "./time";

describe("numbers", () => {
  it("formats response times", () => {
    expect(formatMs(null)).toBe("—");
    expect(formatMs(0.456)).toBe("0.46 ms");
    expect(formatMs(87.4)).toBe("87 ms");
    expect(formatMs(1234)).toBe("1.23 s");
    expect(formatMs(12_345)).toBe("12.3 s");
  });

  it("never rounds a percentage up to 100", () => {
    expect(formatPct(100)).toBe("100%");
    expect(formatPct(99.999)).toBe("99.99%");
    expect(formatPct(99.5)).toBe("99.50%");
    expect(formatPct(undefined)).toBe("—");
    expect(formatFraction(0.98765)).toBe("98.76%");
    expect(formatFraction(null)).toBe("—");
  });

  it("groups thousands", () => {
    expect(formatCount(12345, "en-US")).toBe("12,345");
  });
});

describe("times", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");

  it("says how long ago, or how soon", () => {
    expect(formatRelative("2026-03-01T11:59:55Z", now, "en")).toBe("just now");
    expect(formatRelative("2026-03-01T11:59:30Z", now, "en")).toBe("30 sec. ago");
    expect(formatRelative("2026-03-01T11:57:00Z", now, "en")).toBe("3 min. ago");
    expect(formatRelative("2026-03-01T10:00:00Z", now, "en")).toBe("2 hr. ago");
    expect(formatRelative("2026-02-28T12:00:00Z", now, "en")).toBe("yesterday");
    expect(formatRelative("2026-03-01T12:05:00Z", now, "en")).toBe("in 5 min.");
    expect(formatRelative("not a date", now, "en")).toBe("");
  });

  it("writes the absolute time in the given zone", () => {
    expect(formatAbsolute("2026-03-01T12:00:00Z", "Europe/Berlin", "en-GB")).toMatch(/1 Mar 2026.*13:00:00/);
    expect(formatAbsolute("2026-03-01T12:00:00Z", "UTC", "en-US")).toMatch(/Mar 1, 2026.*12:00:00/);
  });

  it("gives durations in two units at most", () => {
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(180)).toBe("3 min");
    expect(formatDuration(3 * 3600 + 12 * 60 + 5)).toBe("3 h 12 min");
    expect(formatDuration(2 * 86_400 + 3600)).toBe("2 d 1 h");
    expect(formatDuration(86_400)).toBe("1 d");
    expect(formatDuration(-1)).toBe("");
  });
});
