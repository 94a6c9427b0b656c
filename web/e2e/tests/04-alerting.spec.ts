// Alerting as an operator sets it up: a default webhook channel tested from its page, a
// rule that fires when a service goes down, the alert and its delivery arriving live,
// acknowledging them, a maintenance window with its next occurrences, and an escalation
// policy.
import { expect, test } from "@playwright/test";
import { field, look, serviceAnswers, signIn, webhooks } from "../fixtures";

test.describe.configure({ mode: "serial" });

test("a default webhook channel: sent a test, logged, signed as Standard Webhooks", async ({ page }) => {
  await signIn(page);
  await page.goto("/notification-channels/new");
  await page.getByRole("combobox", { name: "Channel type" }).selectOption("webhook");
  await field(page, "Name").fill("Ops webhook");
  await field(page, "URL").fill(process.env.TARGET_WEBHOOK_URL!);
  await page.getByRole("switch", { name: "Default channel" }).click();
  await page.getByRole("button", { name: "Add channel" }).click();
  await expect(page).toHaveURL(/\/notification-channels\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "Ops webhook" })).toBeVisible();
  await expect(page.getByText("Signing secret, shown once")).toBeVisible();

  const before = (await webhooks()).length;
  await page.getByRole("button", { name: "Send test" }).click();
  await expect(page.getByText("Test message delivered")).toBeVisible({ timeout: 20_000 });
  await expect.poll(async () => (await webhooks()).length, { timeout: 15_000 }).toBeGreaterThan(before);
  const sent = (await webhooks()).at(-1)!;
  for (const header of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    expect(sent.headers[header], header).toBeTruthy();
  }
  expect(sent.headers["webhook-signature"]).toMatch(/^v1,/);
  // The delivery log shows it.
  const log = page.locator("#deliveries");
  await expect(log.getByRole("row").nth(1)).toBeVisible({ timeout: 20_000 });
  await look(page, "channel-detail");
});

test("a rule fires live when Shop goes down; the alert and incident are acknowledged", async ({ page }) => {
  test.setTimeout(120_000);
  await serviceAnswers(200);
  await signIn(page);
  await page.goto("/alert-rules/new");
  await field(page, "Name").fill("Shop is down");
  await page.getByRole("combobox", { name: "Condition" }).selectOption("down");
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page).not.toHaveURL(/\/new$/);
  await page.goto("/alert-rules");
  await expect(page.getByText("Shop is down").first()).toBeVisible();

  try {
    await page.goto("/services");
    await page.getByRole("link", { name: "Shop", exact: true }).click();
    await expect(page.getByRole("heading", { name: "Shop" })).toBeVisible();
    const loads: string[] = [];
    page.on("framenavigated", (f) => f === page.mainFrame() && loads.push(f.url()));
    const before = (await webhooks()).length;
    await serviceAnswers(503);
    await expect(page.getByText("Down", { exact: true }).first()).toBeVisible({ timeout: 20_000 });
    // The alert reaches the default channel's receiver.
    await expect
      .poll(async () => (await webhooks()).slice(before).some((w) => w.body.includes("Shop is down")), {
        timeout: 30_000,
      })
      .toBe(true);
    // New results refresh the raw results without a reload.
    const results = page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: "Checked" }) });
    await expect(results.getByRole("row").nth(1)).toBeVisible({ timeout: 20_000 });
    const newest = () => results.getByRole("row").nth(1).locator("time").getAttribute("datetime");
    const first = await newest();
    await expect.poll(newest, { timeout: 20_000 }).not.toBe(first);
    expect(loads, "no reload").toEqual([]);

    // The incident first: acknowledging an alert acknowledges its monitor's incident too.
    await page.goto("/incidents");
    const incident = page.getByRole("row").filter({ hasText: "Shop" }).filter({ hasText: "503" });
    await expect(incident.first()).toBeVisible({ timeout: 20_000 });
    await look(page, "incidents-open");
    await incident
      .first()
      .getByRole("button", { name: /acknowledge/i })
      .click();
    await expect(
      incident
        .first()
        .getByText(/^Acknowledged/)
        .filter({ visible: true }),
    ).toBeVisible();

    await page.goto("/alerts");
    const alert = page.getByRole("row").filter({ hasText: "Shop is down" });
    await expect(alert.first()).toBeVisible({ timeout: 20_000 });
    await look(page, "alerts-firing");
    const ack = alert.first().getByRole("button", { name: /acknowledge/i });
    if (await ack.isVisible()) await ack.click();
    await expect(
      alert
        .first()
        .getByText(/^Acknowledged/)
        .filter({ visible: true }),
    ).toBeVisible();
  } finally {
    await serviceAnswers(200);
  }
});

test("a maintenance window shows its next occurrences; an escalation policy", async ({ page }) => {
  await signIn(page);
  // Shop is back up.
  await page.goto("/services");
  await expect(page.getByRole("row").filter({ hasText: "Shop" }).first().getByText("Up", { exact: true })).toBeVisible({
    timeout: 20_000,
  });
  await page.goto("/maintenance-windows/new");
  await field(page, "Name").fill("Sunday patching");
  await page.getByRole("combobox", { name: "Repeats" }).selectOption("weekly");
  await page.getByRole("checkbox", { name: "Sunday" }).check();
  await page.getByRole("button", { name: "Add window" }).click();
  await expect(page).toHaveURL(/\/maintenance-windows\/[0-9a-f-]{36}$/);
  await expect(page.getByText("Next 30 days")).toBeVisible();
  const next = page.getByRole("listitem").filter({ hasText: /for 1 h|for \d/ });
  await expect(next.first()).toBeVisible();
  expect(await next.count()).toBeGreaterThanOrEqual(4);

  await page.goto("/escalation-policies/new");
  await field(page, "Name").fill("Wake the on-call");
  await page
    .getByRole("checkbox", { name: /Ops webhook/ })
    .first()
    .check();
  await page.getByRole("button", { name: "Add policy" }).click();
  await expect(page).toHaveURL(/\/escalation-policies$/);
  await expect(page.getByText("Wake the on-call").first()).toBeVisible();
});
