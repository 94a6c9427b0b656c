// A forgotten password recovered through the real SMTP server (last: it changes the
// administrator's password).
import { expect, test } from "@playwright/test";
import { admin, field, look, mail, signIn } from "../fixtures";

test("a forgotten password is reset through the e-mailed link", async ({ page }) => {
  const before = (await mail()).length;
  await page.goto("/login");
  await page.getByRole("link", { name: /forgot/i }).click();
  await page.getByLabel(/e-mail/i).fill(admin.email);
  await look(page, "forgot-password");
  await page.getByRole("button", { name: /send|reset/i }).click();
  await expect(page.getByText(/inbox/i)).toBeVisible();

  await expect.poll(async () => (await mail()).length, { timeout: 20_000 }).toBeGreaterThan(before);
  const message = (await mail())
    .at(-1)!
    .replace(/=\r?\n/g, "")
    .replace(/=3D/g, "=");
  const link = /https?:\/\/[^\s"<>]*reset-password\?token=[A-Za-z0-9_-]+/.exec(message)?.[0];
  expect(link, message).toBeTruthy();
  await page.goto(new URL(link!).pathname + new URL(link!).search);
  const next = "second-admin-password-2";
  await field(page, "New password").fill(next);
  await field(page, "Confirm new password").fill(next);
  await look(page, "reset-password");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("heading", { name: "Password changed" })).toBeVisible();
  await page.getByRole("link", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login/);

  await signIn(page, admin.username, next);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
});
