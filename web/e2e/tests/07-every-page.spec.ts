// Every page of the UI, looked at in light and dark with axe-core, and the main pages at
// a phone's width without sideways scrolling. Runs after the other specs, so the lists
// hold what they made.
import { expect, test, type Page } from "@playwright/test";
import { look, signIn } from "../fixtures";

test.describe.configure({ mode: "serial" });

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** Opens `path` and looks at it; a page the embedded UI does not have yet is noted, not looked at. */
async function visit(page: Page, path: string, name: string) {
  await page.goto(path);
  await page.getByRole("main").waitFor();
  await page.getByRole("main").getByRole("heading").first().waitFor();
  if (await page.getByRole("heading", { name: "Page not found" }).isVisible()) {
    test.info().annotations.push({ type: "missing", description: `${path}: not in the server's embedded web UI` });
    return false;
  }
  // Loaded: nothing busy, no skeleton left.
  await expect(page.locator('[aria-busy="true"], .animate-pulse.bg-muted')).toHaveCount(0);
  await look(page, name);
  return true;
}

/** The first detail link under `list` (`/services/<id>`), or null when the list has none. */
async function firstDetail(page: Page, list: string): Promise<string | null> {
  await page.goto(list);
  const links = page.locator(`main a[href^="${list}/"]:not([href$="/new"])`);
  await links
    .first()
    .waitFor({ timeout: 5_000 })
    .catch(() => {});
  const re = new RegExp(`^${list}/${UUID}$`);
  const hrefs = await page.locator(`main a[href^="${list}/"]`).evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  return hrefs.find((h) => h && re.test(h)) ?? null;
}

test("every signed-in page in light and dark, with no serious accessibility violations", async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page);
  await visit(page, "/", "dashboard");
  for (const [list, name, extra] of [
    ["/services", "service", ["edit"]],
    ["/domains", "domain", ["edit"]],
    ["/instances", "instance", ["edit"]],
    ["/notification-channels", "notification-channel", ["edit"]],
    ["/incidents", "incident", []],
    ["/alerts", "alert", []],
    ["/alert-rules", "alert-rule", []],
    ["/escalation-policies", "escalation-policy", []],
    ["/maintenance-windows", "maintenance-window", []],
    ["/status-pages", "status-page", ["edit"]],
  ] as const) {
    if (!(await visit(page, list, `${name}s-list`))) continue;
    if (!["/incidents", "/alerts"].includes(list)) await visit(page, `${list}/new`, `${name}-new-form`);
    const detail = await firstDetail(page, list);
    if (!detail) {
      test.info().annotations.push({ type: "missing", description: `${list}: no item to open` });
      continue;
    }
    await visit(page, detail, `${name}-detail-page`);
    for (const sub of extra) await visit(page, `${detail}/${sub}`, `${name}-${sub}-page`);
  }
  await visit(page, "/users", "users-list");
  const user = await firstDetail(page, "/users");
  expect(user).toBeTruthy();
  await visit(page, user!, "user-detail-page");
  for (const [path, name] of [
    ["/profile", "profile"],
    ["/profile/password", "profile-password"],
    ["/profile/preferences", "profile-preferences"],
    ["/profile/api-keys", "profile-api-keys"],
    ["/status-pages/components", "status-components-list"],
    ["/audit-log", "audit-log"],
    ["/settings", "settings"],
    ["/no-such-page", "not-found"],
  ] as const) {
    await visit(page, path, name);
  }
});

test("the signed-out pages", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await look(page, "login-page");
  await page.goto("/forgot-password");
  await expect(page.getByRole("textbox").first()).toBeVisible();
  await look(page, "forgot-password-page");
  await page.goto("/reset-password?token=not-a-real-token");
  await expect(page.getByRole("main").or(page.locator("form")).first()).toBeVisible();
  await look(page, "reset-password-page");
  // Set up already: the setup page sends you to sign in, or says so.
  await page.goto("/setup");
  await page.waitForLoadState("networkidle");
  await look(page, "setup-after-first-run");
});

test("the main pages fit a phone's width", async ({ page }) => {
  await signIn(page);
  await page.setViewportSize({ width: 375, height: 812 });
  for (const path of [
    "/",
    "/services",
    "/services/new",
    "/domains",
    "/instances",
    "/incidents",
    "/alerts",
    "/notification-channels",
    "/alert-rules",
    "/maintenance-windows",
    "/status-pages",
    "/status-pages/components",
    "/users",
    "/audit-log",
    "/settings",
    "/profile/preferences",
  ]) {
    await page.goto(path);
    await page.getByRole("main").waitFor();
    await page.waitForLoadState("networkidle");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${path} is ${width}px wide`).toBeLessThanOrEqual(375);
  }
  const service = await firstDetail(page, "/services");
  await page.goto(service!);
  await page.waitForLoadState("networkidle");
  expect(await page.evaluate(() => document.documentElement.scrollWidth), "service detail").toBeLessThanOrEqual(375);
  await look(page, "service-detail-phone");
});
