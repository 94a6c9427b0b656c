// Starts the real targets and a release `monitron serve` on a fresh data folder with no
// account (so the first test runs first-run setup with the token from the log), and
// hands their addresses to the tests through the environment.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, createWriteStream } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTargets } from "./targets";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitUntilReady(url: string, server: ChildProcess, log: () => string) {
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`monitron exited (${server.exitCode}):\n${log()}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`monitron did not become ready:\n${log()}`);
}

export default async function globalSetup() {
  const bin = process.env.MONITRON_BIN;
  if (!bin) throw new Error("Set MONITRON_BIN to a release monitron binary (scripts/e2e.sh does).");
  if (!process.env.MONITRON_AGENT_BIN) {
    throw new Error("Set MONITRON_AGENT_BIN to a release monitron-agent binary (scripts/e2e.sh does).");
  }
  const targets = await startTargets();
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "monitron-e2e-"));
  const url = `http://127.0.0.1:${port}`;
  const logPath = path.join(dataDir, "server.log");
  const logFile = createWriteStream(logPath);
  let output = "";
  const server = spawn(bin, ["serve"], {
    env: {
      ...process.env,
      PORT: String(port),
      BIND_ADDRESS: "127.0.0.1",
      DATA_DIR: dataDir,
      PUBLIC_URL: url,
      LOG_LEVEL: "info",
      LOG_FORMAT: "pretty",
      EMAIL_HOST: "127.0.0.1",
      EMAIL_PORT: String(targets.smtpPort),
      EMAIL_TLS: "none",
      EMAIL_FROM: "Monitron <monitron@example.com>",
      RATE_LIMIT_LOGIN_PER_IP: "1000/1m",
      RATE_LIMIT_LOGIN_PER_ACCOUNT: "1000/1m",
      RDAP_BOOTSTRAP_URL: "http://127.0.0.1:9/dns.json",
      WHOIS_SERVER: "127.0.0.1:9",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [server.stdout, server.stderr]) {
    stream?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      logFile.write(chunk);
    });
  }
  await waitUntilReady(url, server, () => output);
  const token = /setup_[A-Za-z0-9_-]+/.exec(output)?.[0];
  if (!token) throw new Error(`no setup token in the server log:\n${output}`);

  process.env.MONITRON_URL = url;
  process.env.MONITRON_SETUP_TOKEN = token;
  process.env.MONITRON_DATA_DIR = dataDir;
  process.env.MONITRON_SERVER_LOG = logPath;
  process.env.TARGETS_CONTROL = targets.control;
  process.env.TARGET_SERVICE_URL = targets.service;
  process.env.TARGET_WEBHOOK_URL = targets.webhook;

  return async () => {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    await targets.close();
    logFile.end();
    if (!process.env.MONITRON_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
  };
}
