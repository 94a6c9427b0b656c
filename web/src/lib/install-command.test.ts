import { describe, expect, it } from "vitest";
import { foregroundCommand, pullSettings, pushSettings, serverUrlOf, shellQuote, systemdCommand } from "./install-command";

describe("install command", () => {
  it("quotes only what needs quoting", () => {
    expect(shellQuote("mtr_enroll_AbC-12_x")).toBe("mtr_enroll_AbC-12_x");
    expect(shellQuote("https://monitron.example.com:3000")).toBe("https://monitron.example.com:3000");
    expect(shellQuote("it's a <secret>")).toBe(`'it'\\''s a <secret>'`);
  });

  it("points a push agent at this server with its token, its own API on loopback behind a random key", () => {
    const settings = pushSettings(serverUrlOf({ origin: "https://mon.example.com/" }), "mtr_enroll_abc");
    const run = foregroundCommand(settings);
    expect(run).toContain("MONITRON_SERVER_URL=https://mon.example.com \\\n");
    expect(run).toContain("MONITRON_AGENT_TOKEN=mtr_enroll_abc");
    expect(run).toContain('MONITRON_AGENT_API_KEY="$(openssl rand -hex 24)"');
    expect(run).toContain("MONITRON_AGENT_LISTEN=127.0.0.1:7773");
    expect(run.endsWith("\nmonitron-agent")).toBe(true);
    const service = systemdCommand(settings);
    expect(service).toContain(
      "sudo tee /etc/monitron-agent/agent.env >/dev/null <<EOF\nMONITRON_SERVER_URL=https://mon.example.com\n",
    );
    expect(service).toContain("MONITRON_AGENT_API_KEY=$(openssl rand -hex 24)\n");
    expect(service).toContain("systemctl enable --now monitron-agent");
  });

  it("has a pull agent listen with the instance's kind of credentials", () => {
    expect(pullSettings({ type: "basic", username: "mon" }, 7774)).toEqual([
      ["MONITRON_AGENT_AUTH", "basic"],
      ["MONITRON_AGENT_USERNAME", "mon"],
      ["MONITRON_AGENT_PASSWORD", "<password>"],
      ["MONITRON_AGENT_LISTEN", "0.0.0.0:7774"],
    ]);
    expect(foregroundCommand(pullSettings({ type: "hmac" }, 7773))).toContain("MONITRON_AGENT_HMAC_SECRET='<shared secret>'");
  });
});
