// End-to-end tests: Debian's Chromium (no browser download) against a real release
// `monitron serve` that the global setup starts with real targets beside it. One worker:
// the tests share one server and run in file order, like a user's first day.
import { defineConfig } from "@playwright/test";

const screenshots = process.env.MONITRON_SCREENSHOTS ?? "e2e/screenshots";

export default defineConfig({
  testDir: "tests",
  globalSetup: "./harness/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: `${screenshots}/../results`,
  use: {
    baseURL: process.env.MONITRON_URL,
    browserName: "chromium",
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" },
    viewport: { width: 1280, height: 860 },
    timezoneId: "Europe/Berlin",
    locale: "en-GB",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
});
