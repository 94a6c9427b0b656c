// A new user's first minutes: the server has no account, the log printed a setup token.
import { expect, test } from "@playwright/test";
import { admin, field, look } from "../fixtures";

test("first-run setup creates the administrator with the token from the log", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
  await look(page, "login");
  await page.getByRole("link", { name: /create the administrator/i }).click();
  await expect(page).toHaveURL(/\/setup/);

  await field(page, "Setup token").fill("setup_wrong");
  await field(page, "Username").fill(admin.username);
  await field(page, "E-mail").fill(admin.email);
  await field(page, "Password").fill(admin.password);
  await field(page, "Confirm password").fill(admin.password);
  await look(page, "setup");
  await page.getByRole("button", { name: /create/i }).click();
  await expect(page.getByText(/setup token/i).last()).toBeVisible();
  await expect(page).toHaveURL(/\/setup/);

  await field(page, "Setup token").fill(process.env.MONITRON_SETUP_TOKEN!);
  await page.getByRole("button", { name: /create/i }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await look(page, "dashboard-empty");
});
