/**
 * Light/dark/system and the colour theme, applied to <html> (`dark` class, `data-color`)
 * at once, cached in localStorage so the next load paints right from the first frame
 * (public/theme.js reads the same key), and stored per user on the server.
 */

export const THEMES = ["light", "dark", "system"] as const;
export const COLORS = ["blue", "orange", "green"] as const;
export type ThemeMode = (typeof THEMES)[number];
export type ColorTheme = (typeof COLORS)[number];

export interface Appearance {
  theme: ThemeMode;
  color: ColorTheme;
}

export const STORAGE_KEY = "monitron.theme";
export const DEFAULT_APPEARANCE: Appearance = { theme: "system", color: "blue" };

function isTheme(value: unknown): value is ThemeMode {
  return typeof value === "string" && (THEMES as readonly string[]).includes(value);
}

function isColor(value: unknown): value is ColorTheme {
  return typeof value === "string" && (COLORS as readonly string[]).includes(value);
}

/** Accepts the server's spelling too (`auto` is `system`). */
export function parseAppearance(value: unknown): Appearance {
  if (typeof value !== "object" || value === null) return DEFAULT_APPEARANCE;
  const raw = value as { theme?: unknown; color?: unknown };
  const theme = raw.theme === "auto" ? "system" : raw.theme;
  return {
    theme: isTheme(theme) ? theme : DEFAULT_APPEARANCE.theme,
    color: isColor(raw.color) ? raw.color : DEFAULT_APPEARANCE.color,
  };
}

export function readCachedAppearance(storage: Pick<Storage, "getItem"> = localStorage): Appearance {
  try {
    return parseAppearance(JSON.parse(storage.getItem(STORAGE_KEY) ?? "null"));
  } catch {
    return DEFAULT_APPEARANCE;
  }
}

function systemPrefersDark(): boolean {
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
}

/** Whether `appearance` shows dark right now. */
export function resolvesDark(appearance: Appearance, prefersDark = systemPrefersDark()): boolean {
  return appearance.theme === "dark" || (appearance.theme === "system" && prefersDark);
}

/** Puts `appearance` on the document and in the cache. */
export function applyAppearance(appearance: Appearance, root: HTMLElement = document.documentElement): void {
  root.classList.toggle("dark", resolvesDark(appearance));
  root.setAttribute("data-color", appearance.color);
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(appearance));
  } catch {
    // Private mode or storage full: the theme still applies for this visit.
  }
}

/** Re-applies a `system` theme whenever the operating system switches. Returns a stop function. */
export function followSystem(getAppearance: () => Appearance): () => void {
  if (typeof matchMedia !== "function") return () => {};
  const query = matchMedia("(prefers-color-scheme: dark)");
  const onChange = () => {
    const appearance = getAppearance();
    if (appearance.theme === "system") applyAppearance(appearance);
  };
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}
