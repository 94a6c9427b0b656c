// Signing in and out, and a wrong password.
import { expect, test } from "@playwright/test";
import { admin, field, signIn } from "../fixtures";

test("sign in, sign out, and a wrong password says so", async ({ page }) => {
  await page.goto("/login");
  await field(page, "Username or e-mail").fill(admin.email);
  await field(page, "Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /wrong username, e-mail or password/i })).toBeVisible();

  await signIn(page, admin.email);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  // The session survives a reload (refresh cookie), then ends at sign-out.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await page
    .getByRole("button", { name: /account|admin/i })
    .first()
    .click();
  await page.getByRole("menuitem", { name: /sign out/i }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/services");
  await expect(page).toHaveURL(/\/login/);
});
