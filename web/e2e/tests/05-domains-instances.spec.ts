// Domains and instances through their forms: a domain whose registration lookup cannot
// succeed here (no RDAP or WHOIS is reachable) still lists and shows its page; a push
// instance enrolls the real agent with the command its page shows, and its charts fill
// live.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { field, look, signIn } from "../fixtures";

test.describe.configure({ mode: "serial" });

test("a domain: a bad name refused on its field, then listed with its page", async ({ page }) => {
  await signIn(page);
  await page.goto("/domains/new");
  const domain = field(page, "Domain");
  await domain.fill("not a domain");
  await page.getByRole("button", { name: "Add domain" }).click();
  await expect(domain).toHaveAttribute("aria-invalid", "true");
  await look(page, "domain-new-error");
  await domain.fill("example.com");
  await page.getByRole("button", { name: "Add domain" }).click();
  await expect(page).toHaveURL(/\/domains\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "example.com" })).toBeVisible();

  await page.goto("/domains");
  await expect(page.getByRole("link", { name: "example.com" }).first()).toBeVisible();
});

test("a push instance enrolls the real agent and its charts fill live", async ({ page }) => {
  const bin = process.env.MONITRON_AGENT_BIN!;
  await signIn(page);
  await page.goto("/instances/new");
  await field(page, "Name").fill("Build host");
  await page.getByRole("radio", { name: /^Push/ }).check();
  await field(page, "Host").fill("build-host.example.com");
  await field(page, "Report every (seconds)").fill("1");
  await page.getByRole("button", { name: "Add instance" }).click();
  await expect(page).toHaveURL(/\/instances\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "Build host" })).toBeVisible();

  // The settings the install command shows, as the agent reads them.
  const command = (await page.getByLabel("Install command").textContent()) ?? "";
  const env: Record<string, string> = {};
  for (const [, name, value] of command.matchAll(/(MONITRON_[A-Z_]+)=("[^"]*"|'[^']*'|\S+)/g)) {
    env[name!] = value!.replace(/^["']|["']$/g, "");
  }
  expect(env.MONITRON_SERVER_URL, command).toBe(process.env.MONITRON_URL);
  expect(env.MONITRON_AGENT_TOKEN, command).toBeTruthy();
  const dir = mkdtempSync(path.join(tmpdir(), "monitron-agent-e2e-"));
  let agent: ChildProcess | null = null;
  let log = "";
  try {
    agent = spawn(bin!, [], {
      env: {
        PATH: process.env.PATH ?? "",
        ...env,
        // Made on the host by the command; any long random value does.
        MONITRON_AGENT_API_KEY: "e2e-agent-api-key-0123456789",
        MONITRON_AGENT_LISTEN: "127.0.0.1:0",
        MONITRON_AGENT_DATA_DIR: path.join(dir, "state"),
        MONITRON_AGENT_LOG: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [agent.stdout, agent.stderr]) stream?.on("data", (c: Buffer) => (log += c.toString()));

    // Enrolled, up, and the CPU chart shows a current value without a reload.
    await expect(page.getByText("Up", { exact: true }).first(), log).toBeVisible({ timeout: 30_000 });
    const cpu = page.getByRole("heading", { name: "CPU per core" });
    await expect(cpu, log).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole("meter").first()).toHaveAttribute("aria-valuenow", /\d/, { timeout: 20_000 });
    await expect(page.locator("figure canvas").first()).toBeVisible();
    await look(page, "instance-detail");

    // The agent-config editor, with the configuration the agent reported.
    await expect(page.getByRole("heading", { name: "Agent configuration" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Save agent configuration" })).toBeVisible();
  } finally {
    agent?.kill("SIGTERM");
    if (agent && agent.exitCode === null) await new Promise((r) => agent!.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
  await page.goto("/instances");
  await expect(page.getByRole("link", { name: "Build host" }).first()).toBeVisible();
});
