// The UI's performance budgets (DESIGN.md section 5), measured in headless Chromium
// against a running Monitron with many monitors: the gzipped JavaScript the browser
// really downloads for the first load of the dashboard, and the time to interactive of the
// dashboard and the services list (navigation start until the page shows its data and
// the main thread has been free of long tasks since).
//
// Usage: node scripts/bench-ui.mjs <base url> <login> <password> [runs]
import { chromium } from "@playwright/test";

const [base, login, password, runsArg] = process.argv.slice(2);
if (!password) {
  console.error("usage: node scripts/bench-ui.mjs <base url> <login> <password> [runs]");
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
// Long tasks, recorded from the first script on.
await context.addInitScript(() => {
  window.__longTaskEnd = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTaskEnd = Math.max(window.__longTaskEnd, e.startTime + e.duration);
  }).observe({ type: "longtask", buffered: true });
});

const page = await context.newPage();
await page.goto(`${base}/login`);
await page.getByRole("textbox", { name: "Username or e-mail", exact: true }).fill(login);
await page.getByRole("textbox", { name: "Password", exact: true }).fill(password);
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL((u) => !u.pathname.startsWith("/login"));

/** Loads `path` in the signed-in context; answers ms to interactive and JS bytes. */
async function load(path, ready) {
  const p = await context.newPage();
  const cdp = await context.newCDPSession(p);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const js = new Map();
  cdp.on("Network.responseReceived", (e) => {
    if (e.type === "Script") js.set(e.requestId, { url: e.response.url, bytes: 0 });
  });
  cdp.on("Network.loadingFinished", (e) => {
    const entry = js.get(e.requestId);
    if (entry) entry.bytes = e.encodedDataLength;
  });
  await p.goto(`${base}${path}`);
  await ready(p);
  const shown = await p.evaluate(() => performance.now());
  await p.waitForTimeout(600);
  const longTaskEnd = await p.evaluate(() => window.__longTaskEnd);
  await p.close();
  return { tti: Math.max(shown, longTaskEnd), jsBytes: [...js.values()].reduce((s, e) => s + e.bytes, 0) };
}

const pages = {
  // The counts of the summary are on screen.
  dashboard: ["/", (p) => p.locator("main ul li").first().waitFor({ timeout: 10_000 })],
  // The first page of rows is on screen.
  services: ["/services", (p) => p.locator("main table tbody tr").first().waitFor({ timeout: 10_000 })],
};

const results = {};
for (const [name, [path, ready]] of Object.entries(pages)) {
  await load(path, ready); // warm the server's caches once
  const times = [];
  let jsBytes = 0;
  for (let i = 0; i < runs; i++) {
    const r = await load(path, ready);
    times.push(r.tti);
    jsBytes = r.jsBytes;
  }
  times.sort((a, b) => a - b);
  results[name] = { median: times[Math.floor(times.length / 2)], worst: times.at(-1), jsBytes };
}
await browser.close();

console.log(
  `first load of the dashboard: ${(results.dashboard.jsBytes / 1024).toFixed(1)} KB of JavaScript over the wire (gzip; budget 300 KB)`,
);
for (const [name, r] of Object.entries(results)) {
  console.log(
    `${name}: time to interactive median ${r.median.toFixed(0)} ms, worst ${r.worst.toFixed(0)} ms of ${runs} (budget 1000 ms)`,
  );
}
