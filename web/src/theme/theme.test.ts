/**
 * Contrast of the theme's text/background pairs, read from index.css itself, in both
 * themes and all three colours (WCAG AA: 4.5:1 for text).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applyAppearance, parseAppearance, readCachedAppearance, STORAGE_KEY } from "./theme";

const css = fs.readFileSync(path.resolve(import.meta.dirname, "../index.css"), "utf8");

function block(selector: string): Record<string, string> {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}\\s*\\{([^}]*)\\}`).exec(css);
  if (!match) throw new Error(`no ${selector} block in index.css`);
  return Object.fromEntries([...match[1]!.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})/g)].map((m) => [m[1]!, m[2]!]));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const PAIRS: [string, string][] = [
  ["foreground", "background"],
  ["card-foreground", "card"],
  ["popover-foreground", "popover"],
  ["muted-foreground", "background"],
  ["muted-foreground", "muted"],
  ["muted-foreground", "card"],
  ["accent-foreground", "accent"],
  ["sidebar-foreground", "sidebar"],
  ["primary-foreground", "primary"],
  ["primary-text", "background"],
  ["primary-text", "card"],
  ["destructive-foreground", "destructive"],
  ["destructive-text", "background"],
  ["status-up-text", "status-up-soft"],
  ["status-down-text", "status-down-soft"],
  ["status-pending-text", "status-pending-soft"],
  ["status-paused-text", "status-paused-soft"],
  ["status-maintenance-text", "status-maintenance-soft"],
];

const THEMES = {
  "light blue": [":root {"],
  "light orange": [":root {", ':root[data-color="orange"] {'],
  "light green": [":root {", ':root[data-color="green"] {'],
  "dark blue": [":root {", ":root.dark {"],
  "dark orange": [":root {", ":root.dark {", ':root.dark[data-color="orange"] {'],
  "dark green": [":root {", ":root.dark {", ':root.dark[data-color="green"] {'],
};

describe("theme contrast", () => {
  for (const [name, selectors] of Object.entries(THEMES)) {
    it(`${name}: every text pair reaches 4.5:1`, () => {
      const vars = Object.assign({}, ...selectors.map((s) => block(s.slice(0, -2))));
      const failing = PAIRS.map(([fg, bg]) => [fg, bg, contrast(vars[fg], vars[bg])] as const).filter(
        ([, , ratio]) => ratio < 4.5,
      );
      expect(failing).toEqual([]);
    });
  }
});

describe("appearance", () => {
  it("reads the server's values and falls back to defaults", () => {
    expect(parseAppearance({ theme: "dark", color: "green" })).toEqual({ theme: "dark", color: "green" });
    expect(parseAppearance({ theme: "auto", color: "pink" })).toEqual({ theme: "system", color: "blue" });
    expect(parseAppearance(null)).toEqual({ theme: "system", color: "blue" });
  });

  it("applies to <html> at once and caches for the next load", () => {
    applyAppearance({ theme: "dark", color: "orange" });
    expect(document.documentElement.classList.contains("dark")).toBe(true);
    expect(document.documentElement.getAttribute("data-color")).toBe("orange");
    expect(JSON.parse(localStorage.getItem(STORAGE_KEY)!)).toEqual({ theme: "dark", color: "orange" });
    expect(readCachedAppearance()).toEqual({ theme: "dark", color: "orange" });
    applyAppearance({ theme: "light", color: "blue" });
    expect(document.documentElement.classList.contains("dark")).toBe(false);
  });
});
