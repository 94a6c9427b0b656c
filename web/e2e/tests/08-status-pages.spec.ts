// Status pages as an operator and their visitors use them: components for three monitors
// (one of them down through the switched target), a public page in two sections put in
// order, the page seen from a private window (statuses, 30-day bars, a visitor report, an
// e-mail subscription confirmed through the real SMTP server), the same page without
// JavaScript, an incident posted from the UI reaching the subscriber, the report on the
// dashboard, and a private page that sends an anonymous visitor through sign-in to it.
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { admin, adminApi, ensureSetUp, field, look, mail, screenshotPath, serviceAnswers, signIn } from "../fixtures";

test.describe.configure({ mode: "serial" });

const SLUG = "acme-status";
const PRIVATE_SLUG = "acme-internal";
const SUBSCRIBER = "visitor@example.com";
/** Monitor name -> the display name visitors see. */
const COMPONENTS = [
  { monitor: "Checkout API", name: "Checkout", description: "Payments and orders" },
  { monitor: "Web frontend", name: "Website", description: "" },
  { monitor: "Primary database", name: "Database", description: "" },
] as const;

let pageId = "";

/** A window with no session, as a visitor has (`javaScriptEnabled: false` for the plain page). */
async function visitor(browser: Browser, options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({
    baseURL: process.env.MONITRON_URL,
    viewport: { width: 1280, height: 860 },
    locale: "en-GB",
    timezoneId: "Europe/Berlin",
    ...options,
  });
}

/** Mail as sent: quoted-printable soft breaks and `=3D` undone. */
async function mailText(): Promise<string[]> {
  return (await mail()).map((m) => m.replace(/=\r?\n/g, "").replace(/=3D/g, "="));
}

/** The components of a public page in the order shown, with their status in words. */
async function shown(page: Page) {
  return page.locator("li.component").evaluateAll((items) =>
    items.map((li) => ({
      name: li.querySelector(".component-name")?.textContent?.trim(),
      status: li.querySelector(".pill")?.textContent?.trim(),
      bars: li.querySelectorAll("li.bar").length,
    })),
  );
}

test.afterAll(async () => {
  await serviceAnswers(200);
});

test("components publish three monitors, one of them down, under names of their own", async ({ page }) => {
  test.setTimeout(120_000);
  await ensureSetUp();
  const api = await adminApi();
  const target = new URL(process.env.TARGET_SERVICE_URL!);
  await serviceAnswers(503);
  await api("POST", "/api/v1/services", {
    name: "Checkout API",
    type: "http",
    config: { url: process.env.TARGET_SERVICE_URL },
    interval_s: 1,
  });
  for (const name of ["Web frontend", "Primary database"]) {
    await api("POST", "/api/v1/services", {
      name,
      type: "tcp",
      config: { host: target.hostname, port: Number(target.port) },
      interval_s: 2,
    });
  }

  await signIn(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Status pages" }).click();
  await expect(page).toHaveURL(/\/status-pages$/);
  await page.getByRole("navigation", { name: "Status pages" }).getByRole("link", { name: "Components" }).click();
  await expect(page).toHaveURL(/\/status-pages\/components$/);
  await expect(page.getByRole("heading", { name: "No components yet" })).toBeVisible();

  for (const [i, c] of COMPONENTS.entries()) {
    await page.getByRole("button", { name: i === 0 ? "Add your first component" : "Add component" }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByRole("heading", { name: "Add component" })).toBeVisible();
    if (i === 0) {
      // Nothing chosen: both reasons show on their inputs.
      await dialog.getByRole("button", { name: "Add component" }).click();
      await expect(field(dialog, "Display name")).toHaveAttribute("aria-invalid", "true");
      await expect(dialog.getByRole("searchbox", { name: "Service" })).toHaveAttribute("aria-invalid", "true");
    }
    await field(dialog, "Display name").fill(c.name);
    if (c.description) await field(dialog, "Description").fill(c.description);
    // Found on the server by name, a short page at a time.
    await dialog.getByRole("searchbox", { name: "Service" }).fill(c.monitor.split(" ")[1]!);
    await dialog.getByRole("list", { name: "Matching services" }).getByRole("button", { name: c.monitor }).click();
    await expect(dialog.getByText(c.monitor, { exact: true })).toBeVisible();
    if (i === 0) await look(page, "status-component-dialog");
    await dialog.getByRole("button", { name: "Add component" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("row").filter({ hasText: c.name }).getByRole("link", { name: c.monitor })).toBeVisible();
  }
  await look(page, "status-components-list");
});

test("a public page with two sections whose components are put in order", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page);
  await page.goto("/status-pages");
  await expect(page.getByRole("heading", { name: "No status pages yet" })).toBeVisible();
  await look(page, "status-pages-empty");
  await page.getByRole("link", { name: "New status page" }).first().click();
  await expect(page).toHaveURL(/\/status-pages\/new$/);

  // The address follows the title until it is typed, and is checked as it is typed.
  await field(page, "Title").fill("Acme Status");
  const address = field(page, "Address");
  await expect(address).toHaveValue(SLUG);
  await address.fill("Acme");
  await expect(address).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("May hold only lowercase letters, digits and hyphens")).toBeVisible();
  await address.fill("status");
  await expect(page.getByText('"status" is reserved; choose another')).toBeVisible();
  await address.fill(SLUG);
  await expect(address).not.toHaveAttribute("aria-invalid", "true");
  await field(page, "Description").fill("Live status of the Acme shop.");

  const add = async (section: string, name: string) => {
    await page.getByRole("button", { name: `Add component to ${section}` }).click();
    await page
      .getByRole("list", { name: "Components to add" })
      .getByRole("button", { name: new RegExp(`^Add ${name}`) })
      .click();
    await page.getByRole("button", { name: "Close the component list" }).click();
  };
  await field(page, "Name of section 1").fill("Web");
  await add("Web", "Checkout");
  await add("Web", "Website");
  await page.getByRole("button", { name: "Add section" }).click();
  await field(page, "Name of section 2").fill("Infrastructure");
  await add("Infrastructure", "Database");

  // Website before Checkout, and the infrastructure section first, by keyboard.
  await page.getByRole("button", { name: "Move Website up" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Move Website up" })).toBeDisabled();
  await page.getByRole("button", { name: "Move section Infrastructure up" }).click();
  await expect(page.getByRole("list", { name: "Sections" }).getByRole("listitem").first()).toHaveAttribute(
    "aria-label",
    "Infrastructure",
  );
  await expect(page.getByRole("list", { name: "Components in Web" }).getByRole("listitem")).toHaveText([/Website/, /Checkout/]);
  await look(page, "status-page-new-form");
  await page.getByRole("button", { name: "Create page" }).click();
  await expect(page).toHaveURL(/\/status-pages\/[0-9a-f-]{36}$/);
  pageId = new URL(page.url()).pathname.split("/").at(-1)!;
  await expect(page.getByRole("heading", { name: "Acme Status", level: 1 })).toBeVisible();

  // The order values sent are the order shown.
  const api = await adminApi();
  const saved = await api<{ sections: { name: string; components: { component_id: string; order: number }[] }[] }>(
    "GET",
    `/api/v1/status-pages/${pageId}`,
  );
  const components = await api<{ items: { id: string; display_name: string }[] }>("GET", "/api/v1/components");
  const nameOf = new Map(components.items.map((c) => [c.id, c.display_name]));
  expect(saved.sections.map((s) => [s.name, s.components.map((c) => `${nameOf.get(c.component_id)}:${c.order}`)])).toEqual([
    ["Infrastructure", ["Database:0"]],
    ["Web", ["Website:0", "Checkout:1"]],
  ]);

  // The preview frames the page as visitors see it.
  const preview = page.frameLocator('iframe[title="Preview of Acme Status"]');
  await expect(preview.getByRole("heading", { name: "Acme Status", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Reload preview" }).click();
  await expect(preview.getByRole("heading", { name: "Acme Status", level: 1 })).toBeVisible();
  await look(page, "status-page-detail-preview");

  await page.goto("/status-pages");
  const row = page.getByRole("row").filter({ hasText: "Acme Status" });
  await expect(row.getByRole("link", { name: /Open Acme Status/ })).toHaveAttribute("target", "_blank");
  await look(page, "status-pages-list");
  await page.goto(`/status-pages/${pageId}/edit`);
  await expect(field(page, "Name of section 1")).toHaveValue("Infrastructure");
  await look(page, "status-page-edit-form");
});

test("a visitor sees statuses and 30-day bars, files a report and subscribes by e-mail", async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await visitor(browser);
  const page = await context.newPage();
  await page.goto(`/status/${SLUG}`);
  await expect(page.getByRole("heading", { name: "Acme Status", level: 1 })).toBeVisible();
  // Checkout's monitor answers 503: once checked, the page says so.
  await expect
    .poll(
      async () => {
        await page.reload();
        return shown(page);
      },
      { timeout: 30_000, intervals: [1_000] },
    )
    .toEqual([
      { name: "Database", status: "Operational", bars: 30 },
      { name: "Website", status: "Operational", bars: 30 },
      { name: "Checkout", status: "Major outage", bars: 30 },
    ]);
  // Display names only: never a monitor's own name or address.
  const html = await page.content();
  for (const c of COMPONENTS) expect(html).not.toContain(c.monitor);
  expect(html).not.toContain(process.env.TARGET_SERVICE_URL!);
  await look(page, "status-public-page");

  // The page's own report form.
  await page.getByText("Something not working? Tell us").click();
  await page.getByLabel("Component", { exact: true }).selectOption({ label: "Checkout" });
  await page.getByLabel("It is down or does not load", { exact: true }).check();
  await page.getByLabel(/Details/).fill("Payment fails with an error.");
  await page.getByRole("button", { name: "Send report" }).click();
  await expect(page.getByRole("heading", { name: "Thank you" })).toBeVisible();

  // Subscribe, then confirm through the link in the mail.
  await page.goto(`/status/${SLUG}`);
  const before = (await mail()).length;
  await page.getByLabel("Email address").fill(SUBSCRIBER);
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
  await expect.poll(async () => (await mail()).length, { timeout: 20_000 }).toBeGreaterThan(before);
  const message = (await mailText()).slice(before).find((m) => m.includes(SUBSCRIBER) && m.includes("/confirm/"));
  expect(message, "the confirmation mail").toBeTruthy();
  const link = new RegExp(`https?://[^\\s"<>]*/status/${SLUG}/confirm/[A-Za-z0-9_.~%-]+`).exec(message!)?.[0];
  expect(link, message).toBeTruthy();
  await page.goto(new URL(link!).pathname);
  await expect(page.getByRole("heading", { name: "You are subscribed" })).toBeVisible();
  await context.close();
});

test("without JavaScript the page shows the same components and bars", async ({ browser }) => {
  const context = await visitor(browser, { javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`/status/${SLUG}`);
  await expect(page.getByRole("heading", { name: "Acme Status", level: 1 })).toBeVisible();
  expect(await shown(page)).toEqual([
    { name: "Database", status: "Operational", bars: 30 },
    { name: "Website", status: "Operational", bars: 30 },
    { name: "Checkout", status: "Major outage", bars: 30 },
  ]);
  // The report form and the subscription are plain forms.
  await expect(page.locator(`form[action$="/status/${SLUG}/reports"]`)).toBeAttached();
  await expect(page.getByRole("button", { name: "Subscribe" })).toBeVisible();
  await page.screenshot({ path: screenshotPath("status-public-page-no-javascript"), fullPage: true });
  await context.close();
});

test("an incident posted from the UI reaches the subscriber; reports, subscribers and links", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page);
  await page.goto(`/status-pages/${pageId}`);
  await expect(page.getByText("1 subscriber", { exact: false })).toBeVisible();
  await page.getByRole("navigation", { name: "Acme Status sections" }).getByRole("link", { name: "Incidents" }).click();
  await expect(page).toHaveURL(new RegExp(`/status-pages/${pageId}/incidents$`));
  await expect(page.getByText("Nothing open")).toBeVisible();

  const before = (await mail()).length;
  await page.getByRole("button", { name: "Post incident" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: "Post incident" }).click();
  await expect(field(dialog, "Title")).toHaveAttribute("aria-invalid", "true");
  await field(dialog, "Title").fill("Checkout errors");
  await dialog.getByRole("combobox", { name: "Impact" }).selectOption("major");
  await dialog.getByRole("checkbox", { name: "Checkout" }).check();
  await field(dialog, "Message").fill("Payments fail for some customers; we are looking into it.");
  await look(page, "status-page-incident-dialog");
  await dialog.getByRole("button", { name: "Post incident" }).click();
  await expect(dialog).toBeHidden();
  const open = page.getByRole("list", { name: "Open incidents" });
  await expect(open.getByRole("listitem", { name: "Checkout errors" })).toBeVisible();
  await expect(open.getByText("Payments fail for some customers")).toBeVisible();

  // The subscriber is told.
  const toSubscriber = async (words: string) =>
    (await mailText()).slice(before).some((m) => m.includes(SUBSCRIBER) && m.includes(words));
  await expect.poll(() => toSubscriber("Checkout errors"), { timeout: 20_000 }).toBe(true);

  // An update that moves its status, then one that resolves it.
  await open.getByRole("listitem", { name: "Checkout errors" }).getByRole("button", { name: "Post update" }).click();
  await dialog.getByRole("combobox", { name: "Status" }).selectOption("identified");
  await field(dialog, "Message").fill("The payment provider rejects our calls; a fix is on its way.");
  await dialog.getByRole("button", { name: "Post update" }).click();
  await expect(dialog).toBeHidden();
  await expect(open.getByRole("listitem", { name: "Checkout errors" }).getByText("Identified").first()).toBeVisible();
  await expect.poll(() => toSubscriber("a fix is on its way"), { timeout: 20_000 }).toBe(true);
  await open.getByRole("listitem", { name: "Checkout errors" }).getByRole("button", { name: "Resolve" }).click();
  await expect(page.getByRole("dialog").getByRole("heading", { name: "Resolve Checkout errors" })).toBeVisible();
  await page.getByRole("dialog").getByRole("button", { name: "Post and resolve" }).click();
  await expect(page.getByRole("list", { name: "Resolved incidents" }).getByText("Checkout errors")).toBeVisible();
  await expect.poll(() => toSubscriber("Resolved"), { timeout: 20_000 }).toBe(true);
  await look(page, "status-page-detail-incidents");

  // An announcement, deleted after asking.
  await page.getByRole("button", { name: "Post incident" }).click();
  await field(dialog, "Title").fill("Planned database upgrade");
  await dialog.getByRole("combobox", { name: "Impact" }).selectOption("none");
  await field(dialog, "Message").fill("The database is upgraded on Sunday night.");
  await dialog.getByRole("button", { name: "Post announcement" }).click();
  await expect(dialog).toBeHidden();
  await expect.poll(() => toSubscriber("Planned database upgrade"), { timeout: 20_000 }).toBe(true);
  await page.getByRole("button", { name: "Delete Planned database upgrade" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("Delete Planned database upgrade?");
  await confirm.getByRole("button", { name: "Delete incident" }).click();
  await expect(page.getByRole("listitem", { name: "Planned database upgrade" })).toHaveCount(0);

  await page.getByRole("link", { name: "Visitor reports" }).click();
  const report = page.getByRole("row").filter({ hasText: "Checkout" });
  await expect(report).toContainText("Down or does not load");
  await expect(report).toContainText("Payment fails with an error.");
  await look(page, "status-page-detail-reports");

  await page.getByRole("link", { name: "Subscribers" }).click();
  await expect(page.getByRole("row").filter({ hasText: SUBSCRIBER })).toBeVisible();
  await look(page, "status-page-detail-subscribers");

  await page.getByRole("link", { name: "Links and badges" }).click();
  await expect(page.getByText(new RegExp(`/status/${SLUG}\\.json$`))).toBeVisible();
  await expect(page.getByText(new RegExp(`/status/${SLUG}/feed\\.atom$`))).toBeVisible();
  await expect(page.getByText(/^\[!\[Checkout status\]\(.*\/badge\/[0-9a-f-]{36}\/status\.svg\)/)).toBeVisible();
  await look(page, "status-page-detail-links");
});

test("a subscriber is removed after asking", async ({ page }) => {
  await signIn(page);
  await page.goto(`/status-pages/${pageId}/subscribers`);
  await page.getByRole("button", { name: `Remove ${SUBSCRIBER}` }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText(`Remove ${SUBSCRIBER}?`);
  await confirm.getByRole("button", { name: "Remove subscriber" }).click();
  await expect(page.getByRole("heading", { name: "Nobody has subscribed yet" })).toBeVisible();
  await expect(page.getByText("0 subscribers")).toBeVisible();
});

test("the dashboard shows the visitor report of the last day", async ({ page }) => {
  await signIn(page);
  await page.goto("/");
  const card = page.locator("section", { has: page.getByRole("heading", { name: "Visitor reports" }) });
  await expect(card).toContainText("1 in 24 h");
  await expect(card.getByRole("list", { name: "Latest visitor reports" })).toContainText("Checkout");
  await expect(card).toContainText("Down or does not load");
  await card.getByRole("link", { name: "Acme Status" }).click();
  await expect(page).toHaveURL(new RegExp(`/status-pages/${pageId}/reports$`));
  await page.goto("/");
  await expect(card).toBeVisible();
  await look(page, "dashboard-visitor-reports");
});

test("a private page sends an anonymous visitor through sign-in to the page", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signIn(page);
  await page.goto("/status-pages/new");
  await field(page, "Title").fill("Acme Internal");
  // A slug another page has: refused by the server, on its field.
  await field(page, "Address").fill(SLUG);
  await page.getByRole("radio", { name: /Private/ }).check();
  await page.getByRole("button", { name: "Add component to Section 1" }).click();
  await page
    .getByRole("list", { name: "Components to add" })
    .getByRole("button", { name: /^Add Database/ })
    .click();
  await page.getByRole("button", { name: "Create page" }).click();
  await expect(field(page, "Address")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Is taken by another page")).toBeVisible();
  await field(page, "Address").fill(PRIVATE_SLUG);
  await page.getByRole("button", { name: "Create page" }).click();
  await expect(page).toHaveURL(/\/status-pages\/[0-9a-f-]{36}$/);
  // The preview opens it through a view link.
  await expect(
    page.frameLocator('iframe[title="Preview of Acme Internal"]').getByRole("heading", { name: "Acme Internal", level: 1 }),
  ).toBeVisible();

  const context = await visitor(browser);
  const anonymous = await context.newPage();
  await anonymous.goto(`/status/${PRIVATE_SLUG}`);
  await expect(anonymous).toHaveURL(new RegExp(`/login\\?next=%2Fstatus%2F${PRIVATE_SLUG}$`));
  await field(anonymous, "Username or e-mail").fill(admin.username);
  await field(anonymous, "Password").fill(admin.password);
  await anonymous.getByRole("button", { name: "Sign in" }).click();
  await expect(anonymous).toHaveURL(new RegExp(`/status/${PRIVATE_SLUG}$`));
  await expect(anonymous.getByRole("heading", { name: "Acme Internal", level: 1 })).toBeVisible();
  await expect(anonymous.locator("li.component .component-name")).toHaveText(["Database"]);
  // Another site as `next` is not followed.
  await anonymous.goto("/login?next=//example.com/");
  await expect(anonymous).toHaveURL(/\/$/);
  await context.close();
});

test("the status pages fit a phone's width", async ({ page }) => {
  await signIn(page);
  await page.setViewportSize({ width: 375, height: 812 });
  for (const path of [
    "/status-pages",
    "/status-pages/components",
    "/status-pages/new",
    `/status-pages/${pageId}`,
    `/status-pages/${pageId}/incidents`,
    `/status-pages/${pageId}/reports`,
    `/status-pages/${pageId}/subscribers`,
    `/status-pages/${pageId}/links`,
    `/status-pages/${pageId}/edit`,
    `/status/${SLUG}`,
  ]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${path} is ${width}px wide`).toBeLessThanOrEqual(375);
  }
  await page.goto(`/status-pages/${pageId}/links`);
  await page.waitForLoadState("networkidle");
  await look(page, "status-page-links-phone");
});
