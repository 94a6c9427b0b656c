// An administrator's account work: users added, changed, deactivated, reset and deleted
// (with the admin's password); preferences that follow the account to a new browser; an
// API key shown once; the audit log filtered by action.
import { expect, test, type Page } from "@playwright/test";
import { admin, field, look, signIn } from "../fixtures";

test.describe.configure({ mode: "serial" });

/** Picks a preference: the radio is visually hidden inside the label one clicks. */
async function choose(page: Page, name: string) {
  const radio = page.getByRole("radio", { name, exact: true });
  await page.locator("label").filter({ has: radio }).click();
  await expect(radio).toBeChecked();
}

test("user administration: add, change role, deactivate, reset, delete with the admin's password", async ({ page }) => {
  await signIn(page);
  await page.goto("/users");
  await page.getByRole("button", { name: "Add user" }).click();
  const dialog = page.getByRole("dialog", { name: "Add user" });
  await field(dialog, "Username").fill("carol");
  await field(dialog, "E-mail").fill("carol@example.com");
  await field(dialog, "Display name").fill("Carol Jones");
  await field(dialog, "Initial password").fill("carols-first-password-1");
  await look(page, "user-new");
  await dialog.getByRole("button", { name: "Add user" }).click();
  await expect(dialog).toBeHidden();
  // Added: the new user's page opens.
  await expect(page.getByRole("heading", { name: "Carol Jones" })).toBeVisible();
  await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}$/);

  await page.getByRole("combobox", { name: "Role" }).selectOption("editor");
  await expect(page.getByText("carol is now editor").first()).toBeVisible();
  await page.getByRole("button", { name: "Deactivate" }).click();
  await expect(page.getByRole("button", { name: "Activate" })).toBeVisible();
  await page.getByRole("button", { name: "Set a temporary password" }).click();
  await expect(page.getByText("Temporary password, shown once")).toBeVisible();
  await expect(page.getByRole("button", { name: "Copy password" })).toBeVisible();
  await look(page, "user-detail");

  await page.getByRole("button", { name: "Delete", exact: true }).click();
  const confirm = page.getByRole("dialog", { name: "Delete carol?" });
  const password = field(confirm, "Your password");
  await password.fill("not-the-admin-password");
  await confirm.getByRole("button", { name: "Delete user" }).click();
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await look(page, "user-delete-wrong-password");
  await password.fill(admin.password);
  await confirm.getByRole("button", { name: "Delete user" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole("link", { name: /carol/i })).toHaveCount(0);
});

test("preferences follow the account into a fresh browser", async ({ page, browser }) => {
  await signIn(page);
  await page.goto("/profile/preferences");
  await choose(page, "Dark");
  await choose(page, "Orange");
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await expect(page.locator("html")).toHaveAttribute("data-color", "orange");

  const fresh = await browser.newContext({ baseURL: process.env.MONITRON_URL, colorScheme: "light" });
  try {
    const other = await fresh.newPage();
    await signIn(other);
    await expect(other.locator("html")).toHaveClass(/\bdark\b/);
    await expect(other.locator("html")).toHaveAttribute("data-color", "orange");
  } finally {
    await fresh.close();
  }

  await choose(page, "System");
  await choose(page, "Blue");
  await expect(page.locator("html")).toHaveAttribute("data-color", "blue");
});

test("an API key is shown once", async ({ page }) => {
  await signIn(page);
  await page.goto("/profile/api-keys");
  await page.getByRole("button", { name: "Create API key" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Create API key" });
  await field(dialog, "Name").fill("backup script");
  await dialog.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByRole("dialog", { name: "Your new API key" });
  await expect(shown.getByRole("button", { name: "Copy key" })).toBeVisible();
  const key = (await shown.locator("code").first().textContent())!.trim();
  expect(key.length).toBeGreaterThan(16);
  await look(page, "api-key-created");
  await shown.getByRole("button", { name: "I have copied it" }).click();
  await expect(shown).toBeHidden();

  await page.reload();
  const row = page.getByRole("row").filter({ hasText: "backup script" });
  await expect(row).toBeVisible();
  await expect(page.getByText(key)).toHaveCount(0);
  const prefix = (await row.getByText(/…$/).textContent())!.replace("…", "");
  expect(key.startsWith(prefix)).toBe(true);
});

test("the audit log filtered by action shows only that action", async ({ page }) => {
  await signIn(page);
  await page.goto("/audit-log");
  await page.getByRole("textbox", { name: "Action" }).fill("user.delete");
  await expect(page).toHaveURL(/action=user\.delete/);
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows.nth(1)).toBeVisible();
  await expect(rows.filter({ hasText: "user.delete" }).first()).toBeVisible();
  for (const text of await page.locator("tbody tr td.font-mono").allTextContents()) expect(text).toBe("user.delete");
  await look(page, "audit-log-filtered");
});
