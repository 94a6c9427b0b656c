// Services through the forms: a bad value shown on its field, every common type, and a
// service going down and coming back while the page stays open.
import { expect, test, type Page } from "@playwright/test";
import { field, look, serviceAnswers, signIn } from "../fixtures";

async function newService(page: Page, type: string, name: string) {
  await page.goto("/services/new");
  await page.getByRole("combobox", { name: "Check type" }).selectOption(type);
  await field(page, "Name").fill(name);
}

async function save(page: Page) {
  await page.getByRole("button", { name: /^(add service|save)/i }).click();
}

test.describe.configure({ mode: "serial" });

test("an HTTP service: a bad URL is refused on its field, then it goes down and up live", async ({ page }) => {
  await serviceAnswers(200);
  await signIn(page);
  await page.goto("/services");
  await look(page, "services-empty");

  await newService(page, "http", "Shop");
  // Checked as you type: the scheme.
  const url = field(page, "URL");
  await url.fill("ftp://127.0.0.1/health");
  await field(page, "Check every (seconds)").fill("1");
  await save(page);
  await expect(url).toHaveAttribute("aria-invalid", "true");
  // Checked by the server: the JSON path's syntax, shown on its field.
  await url.fill(process.env.TARGET_SERVICE_URL!);
  const jsonPath = field(page, "JSON path");
  await jsonPath.fill("$..[");
  await save(page);
  await expect(jsonPath).toHaveAttribute("aria-invalid", "true");
  await look(page, "service-new-error");

  await jsonPath.fill("");
  await save(page);
  await expect(page).toHaveURL(/\/services\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "Shop" })).toBeVisible();
  await expect(page.getByText("Up", { exact: true }).first()).toBeVisible({ timeout: 20_000 });

  // Down and up again without reloading.
  const loads: string[] = [];
  page.on("framenavigated", (f) => f === page.mainFrame() && loads.push(f.url()));
  await serviceAnswers(503);
  await expect(page.getByText("Down", { exact: true }).first()).toBeVisible({ timeout: 20_000 });
  await look(page, "service-detail-down");
  await serviceAnswers(200);
  await expect(page.getByText("Up", { exact: true }).first()).toBeVisible({ timeout: 20_000 });
  expect(loads, "no reload").toEqual([]);
});

test("TCP, DNS and heartbeat services through their forms", async ({ page }) => {
  await signIn(page);
  const target = new URL(process.env.TARGET_SERVICE_URL!);

  await newService(page, "tcp", "Shop port");
  await field(page, "Host").fill(target.hostname);
  await field(page, "Port").fill("70000");
  await save(page);
  await expect(field(page, "Port")).toHaveAttribute("aria-invalid", "true");
  await field(page, "Port").fill(target.port);
  await save(page);
  await expect(page.getByRole("heading", { name: "Shop port" })).toBeVisible();

  await newService(page, "dns", "Resolver");
  await field(page, "Domain name").fill("localhost");
  await field(page, "Resolver").fill("127.0.0.1:9");
  await look(page, "service-new-dns");
  await save(page);
  await expect(page.getByRole("heading", { name: "Resolver" })).toBeVisible();

  await newService(page, "heartbeat", "Nightly backup");
  await save(page);
  await expect(page.getByRole("heading", { name: "Nightly backup" })).toBeVisible();
  const pingUrl = await page
    .getByText(/\/api\/v1\/ping\//)
    .first()
    .textContent();
  const ping = /https?:\/\/\S+\/api\/v1\/ping\/[A-Za-z0-9_-]+/.exec(pingUrl ?? "")?.[0];
  expect(ping, pingUrl ?? "").toBeTruthy();
  await fetch(ping!);
  await expect(page.getByText("Up", { exact: true }).first()).toBeVisible({ timeout: 20_000 });
  await look(page, "service-detail-heartbeat");

  await page.goto("/services");
  await expect(page.getByRole("link", { name: "Shop", exact: true })).toBeVisible();
  await look(page, "services");
});
