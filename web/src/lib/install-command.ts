/**
 * The commands that install and start `monitron-agent` for one instance, as the agent
 * reads its settings (environment only; docs/agent.md): pointed at this server with the
 * enrollment token in push mode, or listening for the server with the credentials the
 * instance was given in pull mode.
 */
import type { AgentAuthType } from "@/api/types";

/** `value` as one shell word: bare when it is plainly safe, else in single quotes. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The server's address as the agent should dial it: the page's origin, without a trailing slash. */
export function serverUrlOf(location: { origin: string }): string {
  return location.origin.replace(/\/+$/, "");
}

/** A fresh random key, made on the host when the command runs (never seen by Monitron). */
const RANDOM_KEY = "$(openssl rand -hex 24)";

/** The agent's settings, in order; `RANDOM_KEY` marks a value the shell fills in. */
export type Setting = [name: string, value: string];

export function pushSettings(serverUrl: string, token: string, listen = "127.0.0.1:7773"): Setting[] {
  return [
    ["MONITRON_SERVER_URL", serverUrl],
    ["MONITRON_AGENT_TOKEN", token],
    // The agent's own API is always on; in push mode nothing needs to reach it from outside.
    ["MONITRON_AGENT_AUTH", "api_key"],
    ["MONITRON_AGENT_API_KEY", RANDOM_KEY],
    ["MONITRON_AGENT_LISTEN", listen],
  ];
}

/** Placeholders for the secrets the server holds masked: the user types their own. */
export const SECRET_PLACEHOLDER: Record<AgentAuthType, Setting[]> = {
  jwt: [
    ["MONITRON_AGENT_USERNAME", "<user name>"],
    ["MONITRON_AGENT_PASSWORD", "<password>"],
  ],
  basic: [
    ["MONITRON_AGENT_USERNAME", "<user name>"],
    ["MONITRON_AGENT_PASSWORD", "<password>"],
  ],
  api_key: [["MONITRON_AGENT_API_KEY", "<API key>"]],
  hmac: [["MONITRON_AGENT_HMAC_SECRET", "<shared secret>"]],
};

export function pullSettings(auth: { type: AgentAuthType; username?: string | null }, port: number): Setting[] {
  const secrets = SECRET_PLACEHOLDER[auth.type].map(([name, value]): Setting =>
    name === "MONITRON_AGENT_USERNAME" && auth.username ? [name, auth.username] : [name, value],
  );
  return [["MONITRON_AGENT_AUTH", auth.type], ...secrets, ["MONITRON_AGENT_LISTEN", `0.0.0.0:${port}`]];
}

function shellValue(value: string): string {
  return value === RANDOM_KEY ? `"${RANDOM_KEY}"` : shellQuote(value);
}

/** Runs the agent in the foreground as the current user (to try it out). */
export function foregroundCommand(settings: Setting[]): string {
  const lines = settings.map(([name, value]) => `${name}=${shellValue(value)}`);
  lines.push('MONITRON_AGENT_DATA_DIR="$HOME/.local/state/monitron-agent"');
  return `${lines.join(" \\\n")} \\\nmonitron-agent`;
}

/**
 * Installs the settings for the systemd unit shipped with Monitron
 * (`deploy/systemd/monitron-agent.service`) and starts it. The binary and the unit must
 * be in place first.
 */
export function systemdCommand(settings: Setting[]): string {
  const env = settings.map(([name, value]) => `${name}=${value}`).join("\n");
  return [
    "id monitron-agent >/dev/null 2>&1 || sudo useradd --system --no-create-home --shell /usr/sbin/nologin monitron-agent",
    "sudo install -d -m 0750 -g monitron-agent /etc/monitron-agent",
    "sudo install -m 0640 -g monitron-agent /dev/null /etc/monitron-agent/agent.env",
    `sudo tee /etc/monitron-agent/agent.env >/dev/null <<EOF\n${env}\nEOF`,
    "sudo systemctl daemon-reload && sudo systemctl enable --now monitron-agent",
  ].join("\n");
}
