/**
 * The agent configuration editor's model (`GET/PUT /instances/{id}/agent-config`):
 * reachability probes the agent runs (each with its check settings as JSON), plugin
 * timing and the offline buffer's bounds, with problems under the API's paths
 * (`probes[0].config.host`, `buffer.max_bytes`).
 */
import { checkInto, int } from "./form-model";
import { SECRET_MASK } from "./service-form";
import type { Problems } from "./use-api-form";
import * as v from "./validate";

export const PROBE_TYPES = ["ping", "traceroute", "tcp", "udp", "http", "dns", "tls", "grpc", "mqtt"] as const;
export type ProbeType = (typeof PROBE_TYPES)[number];

export const PROBE_TYPE_LABEL: Record<ProbeType, string> = {
  ping: "Ping (ICMP)",
  traceroute: "Traceroute",
  tcp: "TCP port",
  udp: "UDP port",
  http: "HTTP(S)",
  dns: "DNS",
  tls: "TLS certificate",
  grpc: "gRPC health",
  mqtt: "MQTT",
};

/** A starting point for each type's settings (as for a service of the same type). */
export const PROBE_TEMPLATES: Record<ProbeType, Record<string, unknown>> = {
  ping: { host: "192.0.2.1", count: 3 },
  traceroute: { host: "198.51.100.7", max_hops: 30 },
  tcp: { host: "10.0.0.5", port: 5432 },
  udp: { host: "10.0.0.53", port: 53 },
  http: { url: "http://localhost:8080/health" },
  dns: { name: "example.com", record_type: "A" },
  tls: { host: "example.com", port: 443 },
  grpc: { host: "localhost", port: 50051 },
  mqtt: { host: "localhost", port: 1883, topic: "monitron/probe" },
};

export interface ProbeDraft {
  name: string;
  type: string;
  /** The type's settings as JSON text. */
  config: string;
  interval_s: string;
  timeout_s: string;
}

export interface AgentConfigDraft {
  probes: ProbeDraft[];
  plugins_interval_s: string;
  plugins_timeout_s: string;
  /** The buffer's size bound in MiB (the API takes bytes). */
  buffer_max_mib: string;
  /** The buffer's age bound in minutes (the API takes seconds). */
  buffer_max_age_min: string;
}

const MIB = 1024 * 1024;

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function numberText(value: unknown, fallback: number): string {
  return String(typeof value === "number" && Number.isFinite(value) ? value : fallback);
}

/** The editor's inputs for a stored configuration (unknown shapes fall back to the defaults). */
export function draftFromAgentConfig(config: unknown): AgentConfigDraft {
  const c = record(config);
  const plugins = record(c["plugins"]);
  const buffer = record(c["buffer"]);
  const probes = Array.isArray(c["probes"]) ? c["probes"] : [];
  const maxBytes = typeof buffer["max_bytes"] === "number" ? buffer["max_bytes"] : 64 * MIB;
  const maxAge = typeof buffer["max_age_s"] === "number" ? buffer["max_age_s"] : 86_400;
  return {
    probes: probes.map((raw) => {
      const p = record(raw);
      return {
        name: typeof p["name"] === "string" ? p["name"] : "",
        type: typeof p["type"] === "string" ? p["type"] : "ping",
        config: JSON.stringify(p["config"] ?? {}, null, 2),
        interval_s: numberText(p["interval_s"], 60),
        timeout_s: numberText(p["timeout_s"], 10),
      };
    }),
    plugins_interval_s: numberText(plugins["interval_s"], 60),
    plugins_timeout_s: numberText(plugins["timeout_s"], 10),
    buffer_max_mib: String(Number((maxBytes / MIB).toFixed(2))),
    buffer_max_age_min: String(Number((maxAge / 60).toFixed(2))),
  };
}

export function newProbe(type: ProbeType, taken: readonly string[]): ProbeDraft {
  let name: string = type;
  for (let i = 2; taken.includes(name); i++) name = `${type}-${i}`;
  return { name, type, config: JSON.stringify(PROBE_TEMPLATES[type], null, 2), interval_s: "60", timeout_s: "10" };
}

function between(min: number, max: number, unit: string): v.Check {
  return (value) => {
    const n = Number(value.trim());
    if (!value.trim() || !Number.isFinite(n)) return `must be a number of ${unit}`;
    return n < min || n > max ? `must be between ${min} and ${max} ${unit}` : null;
  };
}

/** The body for `PUT /agent-config` and every problem found locally. */
export function toAgentConfigBody(draft: AgentConfigDraft): { body: Record<string, unknown>; problems: Problems } {
  const problems: Problems = {};
  const names = new Set<string>();
  if (draft.probes.length > 100) problems["probes"] = "at most 100 probes";
  const probes = draft.probes.map((p, i) => {
    const at = (field: string) => `probes[${i}].${field}`;
    const name = p.name.trim();
    if (!name || name.length > 100) problems[at("name")] = "must be 1-100 characters";
    else if (names.has(name)) problems[at("name")] = "is used by another probe";
    names.add(name);
    checkInto(problems, at("interval_s"), p.interval_s, v.intBetween(1, 86_400));
    checkInto(problems, at("timeout_s"), p.timeout_s, v.intBetween(1, 300));
    let config: unknown = {};
    try {
      config = JSON.parse(p.config || "{}");
      if (typeof config !== "object" || config === null || Array.isArray(config))
        problems[at("config")] = "must be a JSON object";
    } catch {
      problems[at("config")] = "is not valid JSON";
    }
    return { name, type: p.type, config, interval_s: int(p.interval_s), timeout_s: int(p.timeout_s) };
  });
  checkInto(problems, "plugins.interval_s", draft.plugins_interval_s, v.intBetween(1, 86_400));
  checkInto(problems, "plugins.timeout_s", draft.plugins_timeout_s, v.intBetween(1, 3600));
  checkInto(problems, "buffer.max_bytes", draft.buffer_max_mib, between(1, 64 * 1024, "MiB"));
  checkInto(problems, "buffer.max_age_s", draft.buffer_max_age_min, between(1, 30 * 24 * 60, "minutes"));
  return {
    body: {
      probes,
      plugins: { interval_s: int(draft.plugins_interval_s), timeout_s: int(draft.plugins_timeout_s) },
      buffer: {
        max_bytes: Math.round(Number(draft.buffer_max_mib) * MIB),
        max_age_s: Math.round(Number(draft.buffer_max_age_min) * 60),
      },
    },
    problems,
  };
}

/** Whether a probe's settings hold a masked secret (sent back as is, it keeps the stored one). */
export function holdsMaskedSecret(configText: string): boolean {
  return configText.includes(`"${SECRET_MASK}"`);
}
