// What the end-to-end tests share: the first administrator's credentials, signing in,
// switching the real targets, reading the mail and webhooks they received, and looking at
// a page the way a reviewer would (a screenshot in each theme, and axe-core).
import AxeBuilder from "@axe-core/playwright";
import { expect, type Locator, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import path from "node:path";

export const admin = {
  username: "admin",
  email: "admin@example.com",
  password: "first-admin-password-1",
};

const screenshots = process.env.MONITRON_SCREENSHOTS ?? path.join(__dirname, "screenshots");

/** The input labelled `name` (text, password or number). */
export function field(page: Page | Locator, name: string) {
  return page.getByRole("textbox", { name, exact: true }).or(page.getByRole("spinbutton", { name, exact: true }));
}

/** The path a screenshot named `name` is saved at. */
export function screenshotPath(name: string): string {
  mkdirSync(screenshots, { recursive: true });
  return path.join(screenshots, `${name}.png`);
}

/**
 * Creates the first administrator through the API when first-run setup has not run yet,
 * so a spec also runs on its own (`scripts/e2e.sh 08-status-pages.spec.ts`).
 */
export async function ensureSetUp() {
  const base = process.env.MONITRON_URL!;
  const status = (await (await fetch(`${base}/api/v1/auth/status`)).json()) as { data: { setup_required: boolean } };
  if (!status.data.setup_required) return;
  const res = await fetch(`${base}/api/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      username: admin.username,
      email: admin.email,
      password: admin.password,
      setup_token: process.env.MONITRON_SETUP_TOKEN,
    }),
  });
  if (!res.ok) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
}

/** Calls the API as the administrator (a bearer token from signing in by API). */
export async function adminApi() {
  const base = process.env.MONITRON_URL!;
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ login: admin.username, password: admin.password }),
  });
  const token = ((await login.json()) as { data: { access_token: string } }).data.access_token;
  return async function call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const envelope = (await res.json()) as { code: number; data: T; error: unknown };
    if (envelope.code !== 0) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(envelope)}`);
    return envelope.data;
  };
}

export async function signIn(page: Page, login = admin.username, password = admin.password) {
  await page.goto("/login");
  await field(page, "Username or e-mail").fill(login);
  await field(page, "Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

/** Makes the checked HTTP service answer `status`. */
export async function serviceAnswers(status: number) {
  await fetch(`${process.env.TARGETS_CONTROL}/service/status`, { method: "POST", body: String(status) });
}

export async function mail(): Promise<string[]> {
  return (await fetch(`${process.env.TARGETS_CONTROL}/mail`)).json();
}

export async function webhooks(): Promise<{ headers: Record<string, string>; body: string }[]> {
  return (await fetch(`${process.env.TARGETS_CONTROL}/webhooks`)).json();
}

/** Sets the theme the app reads before its first paint, then reloads. */
async function useTheme(page: Page, theme: "light" | "dark") {
  await page.emulateMedia({ colorScheme: theme });
  await page.evaluate((t) => {
    const key = "monitron.theme";
    const stored = JSON.parse(localStorage.getItem(key) ?? "{}");
    localStorage.setItem(key, JSON.stringify({ ...stored, theme: t }));
    document.documentElement.classList.toggle("dark", t === "dark");
  }, theme);
}

/**
 * Looks at the current page in light and dark: a full-page screenshot of each, and
 * axe-core with no serious or critical violations in either.
 */
export async function look(page: Page, name: string) {
  mkdirSync(screenshots, { recursive: true });
  for (const theme of ["light", "dark"] as const) {
    await useTheme(page, theme);
    await page.waitForTimeout(150);
    // The shell scrolls its content, not the page: a viewport as tall as the content
    // shows all of it with the sidebar and header where they belong.
    const size = page.viewportSize() ?? { width: 1280, height: 860 };
    const height = await page.evaluate(() =>
      Math.max(...[...document.querySelectorAll("main, body")].map((e) => e.scrollHeight)),
    );
    await page.setViewportSize({ width: size.width, height: Math.min(Math.max(size.height, height), 4000) });
    await page.screenshot({ path: path.join(screenshots, `${name}-${theme}.png`) });
    await page.setViewportSize(size);
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(
      bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
      `${name} in ${theme}`,
    ).toEqual([]);
  }
}
