import { describe, expect, it } from "vitest";
import { formatBytes, formatLinkSpeed, formatRate, formatUsage } from "./units";

describe("units", () => {
  it("formats sizes in binary multiples", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.50 KB");
    expect(formatBytes(64 * 1024 * 1024)).toBe("64.0 MB");
    expect(formatBytes(270_553_174_016)).toBe("252 GB");
    expect(formatBytes(null)).toBe("—");
  });

  it("formats rates, link speeds and usage", () => {
    expect(formatRate(24_589.58)).toBe("24.0 KB/s");
    expect(formatRate(undefined)).toBe("—");
    expect(formatLinkSpeed(1000)).toBe("1 Gbit/s");
    expect(formatLinkSpeed(2500)).toBe("2.5 Gbit/s");
    expect(formatLinkSpeed(100)).toBe("100 Mbit/s");
    expect(formatLinkSpeed(null)).toBe("—");
    expect(formatUsage(42.46)).toBe("42.5%");
  });
});
