// The real things Monitron talks to in the end-to-end run: an HTTP service the tests
// switch between 200 and 503, a webhook receiver that keeps what it was sent, and an SMTP
// server that keeps every message. One control server lets the tests (which run in other
// processes) switch and read them.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface Targets {
  /** Base URL of the control server. */
  control: string;
  /** The checked HTTP service (`/health`). */
  service: string;
  /** The webhook receiver. */
  webhook: string;
  /** Port of the SMTP server. */
  smtpPort: number;
  close(): Promise<void>;
}

function listen(server: http.Server | SMTPServer): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = (server as { server?: http.Server }).server?.address() ?? (server as http.Server).address();
      resolve((address as AddressInfo).port);
    });
  });
}

function body(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

export async function startTargets(): Promise<Targets> {
  let status = 200;
  const webhooks: { headers: http.IncomingHttpHeaders; body: string; at: string }[] = [];
  const mail: string[] = [];

  const service = http.createServer((_req, res) => {
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(status === 200 ? "ok" : "unavailable");
  });
  const webhook = http.createServer(async (req, res) => {
    webhooks.push({ headers: req.headers, body: await body(req), at: new Date().toISOString() });
    res.writeHead(204);
    res.end();
  });
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mail.push(Buffer.concat(chunks).toString("utf8"));
        done();
      });
    },
  });
  const control = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://control");
    const json = (value: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.method === "POST" && url.pathname === "/service/status") {
      status = Number(await body(req));
      return json({ status });
    }
    if (url.pathname === "/webhooks") return json(webhooks);
    if (url.pathname === "/mail") return json(mail);
    res.writeHead(404);
    res.end();
  });

  const [servicePort, webhookPort, smtpPort, controlPort] = await Promise.all([
    listen(service),
    listen(webhook),
    listen(smtp),
    listen(control),
  ]);
  return {
    control: `http://127.0.0.1:${controlPort}`,
    service: `http://127.0.0.1:${servicePort}/health`,
    webhook: `http://127.0.0.1:${webhookPort}/hook`,
    smtpPort,
    async close() {
      for (const s of [service, webhook, control]) s.closeAllConnections();
      await Promise.all([
        new Promise((r) => service.close(r)),
        new Promise((r) => webhook.close(r)),
        new Promise((r) => control.close(r)),
        new Promise((r) => smtp.close(() => r(undefined))),
      ]);
    },
  };
}
