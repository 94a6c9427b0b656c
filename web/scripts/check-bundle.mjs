// Sums the gzipped JavaScript the browser loads for the first view of the dashboard:
// the entry chunk named in dist/index.html, the dashboard route's chunk, and every chunk
// they import statically. Fails when the total exceeds the budget (DESIGN.md section 5).
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const BUDGET_KB = Number(process.env.BUNDLE_BUDGET_KB ?? 300);
const dist = path.resolve(import.meta.dirname, "../dist");
const assets = path.join(dist, "assets");
const html = fs.readFileSync(path.join(dist, "index.html"), "utf8");

const entries = [...html.matchAll(/<script[^>]+src="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]);
const dashboard = fs.readdirSync(assets).find((f) => /^dashboard-[\w-]+\.js$/.test(f));
if (entries.length === 0 || !dashboard) {
  console.error("check-bundle: run `vite build` first (no entry or dashboard chunk in dist/)");
  process.exit(1);
}

const seen = new Set();
const queue = [...entries, dashboard];
while (queue.length) {
  const file = queue.shift();
  if (seen.has(file)) continue;
  seen.add(file);
  const code = fs.readFileSync(path.join(assets, file), "utf8");
  // Static imports only (`import ... from "./x.js"`, `import "./x.js"`); `import("./x.js")` loads later.
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*)["']\.\/([\w.-]+\.js)["']/g)) queue.push(m[1]);
}

let total = 0;
const rows = [...seen].map((file) => {
  const gz = zlib.gzipSync(fs.readFileSync(path.join(assets, file)), { level: 9 }).length;
  total += gz;
  return [file, gz];
});
rows.sort((a, b) => b[1] - a[1]);
for (const [file, gz] of rows) console.log(`${(gz / 1024).toFixed(1).padStart(7)} KB  ${file}`);
console.log(`${(total / 1024).toFixed(1).padStart(7)} KB  first load of the dashboard (gzipped JS; budget ${BUDGET_KB} KB)`);
if (total > BUDGET_KB * 1024) {
  console.error(`check-bundle: over budget by ${((total - BUDGET_KB * 1024) / 1024).toFixed(1)} KB`);
  process.exit(1);
}
