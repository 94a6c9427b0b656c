/**
 * The service form's model: what each check type's inputs hold (text, as typed), how a
 * stored service fills them, and how they become the API's `type` + `config` body. Local
 * problems are keyed by the same paths the server uses (`config.url`, `interval_s`), so
 * one mechanism shows both on the right input.
 */
import type { CreateServiceBody, Service } from "@/api/types";
import type { CheckType } from "./check-types";
import * as v from "./validate";

/** What the server sends in place of a stored secret; sent back, it keeps the secret. */
export const SECRET_MASK = "********";

export interface Pair {
  key: string;
  value: string;
}

export interface HttpDraft {
  url: string;
  method: string;
  headers: Pair[];
  body: string;
  expected_status: string;
  keyword: string;
  keyword_absent: string;
  json_path: string;
  json_expected: string;
  follow_redirects: boolean;
  verify_tls: boolean;
  auth: "none" | "basic" | "bearer";
  auth_username: string;
  auth_password: string;
  auth_token: string;
}

export interface ServiceDraft {
  name: string;
  description: string;
  group: string;
  labels: Pair[];
  enabled: boolean;
  type: CheckType;
  interval_s: string;
  timeout_s: string;
  failure_threshold: string;
  success_threshold: string;
  http: HttpDraft;
  tcp: { host: string; port: string };
  ping: { host: string; count: string; packet_size: string };
  dns: { name: string; record_type: string; resolver: string; expected: string };
  grpc: { host: string; port: string; service: string; tls: boolean; server_name: string; ca_pem: string; metadata: Pair[] };
  mqtt: {
    host: string;
    port: string;
    topic: string;
    qos: string;
    username: string;
    password: string;
    client_id: string;
    mode: string;
    tls: boolean;
    ca_pem: string;
  };
  tls: { host: string; port: string; server_name: string; ca_pem: string };
  heartbeat: { schedule: "every" | "cron"; every_s: string; cron: string; timezone: string; grace_s: string };
}

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export const DNS_RECORD_TYPES = ["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA"] as const;
export const MQTT_MODES = [
  { value: "connect", label: "Connect and subscribe" },
  { value: "roundtrip", label: "Publish a probe message and receive it back" },
  { value: "expect_message", label: "A message must arrive within the timeout" },
] as const;

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export function emptyDraft(type: CheckType = "http"): ServiceDraft {
  return {
    name: "",
    description: "",
    group: "",
    labels: [],
    enabled: true,
    type,
    interval_s: type === "heartbeat" ? "60" : "60",
    timeout_s: "30",
    failure_threshold: "1",
    success_threshold: "1",
    http: {
      url: "",
      method: "GET",
      headers: [],
      body: "",
      expected_status: "200-299",
      keyword: "",
      keyword_absent: "",
      json_path: "",
      json_expected: "",
      follow_redirects: true,
      verify_tls: true,
      auth: "none",
      auth_username: "",
      auth_password: "",
      auth_token: "",
    },
    tcp: { host: "", port: "" },
    ping: { host: "", count: "1", packet_size: "56" },
    dns: { name: "", record_type: "A", resolver: "", expected: "" },
    grpc: { host: "", port: "", service: "", tls: false, server_name: "", ca_pem: "", metadata: [] },
    mqtt: {
      host: "",
      port: "1883",
      topic: "",
      qos: "0",
      username: "",
      password: "",
      client_id: "",
      mode: "connect",
      tls: false,
      ca_pem: "",
    },
    tls: { host: "", port: "443", server_name: "", ca_pem: "" },
    heartbeat: { schedule: "every", every_s: "3600", cron: "0 * * * *", timezone: browserTimeZone(), grace_s: "300" },
  };
}

const text = (value: unknown): string => (value === null || value === undefined ? "" : String(value));
const pairs = (value: unknown): Pair[] =>
  value && typeof value === "object"
    ? Object.entries(value as Record<string, unknown>).map(([key, v]) => ({ key, value: text(v) }))
    : [];

/** The form's inputs for a stored service. */
export function draftFromService(service: Service): ServiceDraft {
  const draft = emptyDraft((service.type as CheckType) ?? "http");
  const c = (service.config ?? {}) as Record<string, unknown>;
  draft.name = service.name;
  draft.description = service.description ?? "";
  draft.group = service.group ?? "";
  draft.labels = pairs(service.labels);
  draft.enabled = service.enabled;
  draft.interval_s = String(service.interval_s);
  draft.timeout_s = String(service.timeout_s);
  draft.failure_threshold = String(service.failure_threshold);
  draft.success_threshold = String(service.success_threshold);
  switch (service.type) {
    case "http": {
      const auth = (c["auth"] ?? null) as Record<string, unknown> | null;
      draft.http = {
        url: text(c["url"]),
        method: text(c["method"]) || "GET",
        headers: pairs(c["headers"]),
        body: text(c["body"]),
        expected_status: Array.isArray(c["expected_status"]) ? c["expected_status"].map(text).join(", ") : "200",
        keyword: text(c["keyword"]),
        keyword_absent: text(c["keyword_absent"]),
        json_path: text(c["json_path"]),
        json_expected: c["json_expected"] === undefined || c["json_expected"] === null ? "" : JSON.stringify(c["json_expected"]),
        follow_redirects: c["follow_redirects"] !== false,
        verify_tls: c["verify_tls"] !== false,
        auth: auth?.["type"] === "basic" ? "basic" : auth?.["type"] === "bearer" ? "bearer" : "none",
        auth_username: text(auth?.["username"]),
        auth_password: text(auth?.["password"]),
        auth_token: text(auth?.["token"]),
      };
      break;
    }
    case "tcp":
      draft.tcp = { host: text(c["host"]), port: text(c["port"]) };
      break;
    case "ping":
      draft.ping = { host: text(c["host"]), count: text(c["count"]) || "1", packet_size: text(c["packet_size"]) || "56" };
      break;
    case "dns":
      draft.dns = {
        name: text(c["name"]),
        record_type: text(c["record_type"]) || "A",
        resolver: text(c["resolver"]),
        expected: Array.isArray(c["expected"]) ? c["expected"].map(text).join("\n") : "",
      };
      break;
    case "grpc":
      draft.grpc = {
        host: text(c["host"]),
        port: text(c["port"]),
        service: text(c["service"]),
        tls: c["tls"] === true,
        server_name: text(c["server_name"]),
        ca_pem: text(c["ca_pem"]),
        metadata: pairs(c["metadata"]),
      };
      break;
    case "mqtt":
      draft.mqtt = {
        host: text(c["host"]),
        port: text(c["port"]) || "1883",
        topic: text(c["topic"]),
        qos: text(c["qos"]) || "0",
        username: text(c["username"]),
        password: text(c["password"]),
        client_id: text(c["client_id"]),
        mode: text(c["mode"]) || "connect",
        tls: c["tls"] === true,
        ca_pem: text(c["ca_pem"]),
      };
      break;
    case "tls":
      draft.tls = {
        host: text(c["host"]),
        port: text(c["port"]) || "443",
        server_name: text(c["server_name"]),
        ca_pem: text(c["ca_pem"]),
      };
      break;
    case "heartbeat": {
      const schedule = (c["schedule"] ?? {}) as Record<string, unknown>;
      draft.heartbeat = {
        schedule: schedule["cron"] ? "cron" : "every",
        every_s: text(schedule["every_s"]) || "3600",
        cron: text(schedule["cron"]) || "0 * * * *",
        timezone: text(schedule["timezone"]) || "UTC",
        grace_s: text(c["grace_s"]) || "3600",
      };
      break;
    }
  }
  return draft;
}

export type Problems = Record<string, string>;

function pairMap(list: Pair[], path: string, problems: Problems): Record<string, string> {
  const out: Record<string, string> = {};
  list.forEach((pair, i) => {
    const key = pair.key.trim();
    if (!key && !pair.value.trim()) return;
    if (!key) problems[`${path}[${i}]`] = "needs a name";
    else if (key in out) problems[`${path}.${key}`] = "is given twice";
    else out[key] = pair.value;
  });
  return out;
}

function optional(value: string): string | undefined {
  return value.trim() ? value.trim() : undefined;
}

function int(value: string): number {
  return Number(value.trim());
}

function check(problems: Problems, path: string, value: string, ...checks: v.Check[]): void {
  const problem = v.firstProblem(value, ...checks);
  if (problem) problems[path] = problem;
}

/** The JSON-path expectation: JSON when it parses (`42`, `true`, `"ok"`), else the text itself. */
export function parseExpected(raw: string): unknown {
  const text = raw.trim();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `type` and `config` for the API, and the problems found on the way. */
export function toConfig(draft: ServiceDraft): { config: Record<string, unknown>; problems: Problems } {
  const problems: Problems = {};
  const p = (field: string) => `config.${field}`;
  let config: Record<string, unknown> = {};
  switch (draft.type) {
    case "http": {
      const d = draft.http;
      check(problems, p("url"), d.url, v.httpUrl);
      const codes = d.expected_status.split(/[\s,]+/).filter(Boolean);
      if (codes.length === 0) problems[p("expected_status")] = "must list at least one status code";
      codes.forEach((code, i) => {
        const problem = v.statusRange(code);
        if (problem) problems[`${p("expected_status")}[${i}]`] = problem;
      });
      if (d.json_expected.trim() && !d.json_path.trim()) problems[p("json_expected")] = "needs a JSON path";
      const headers = pairMap(d.headers, p("headers"), problems);
      config = {
        url: d.url.trim(),
        method: d.method,
        headers,
        expected_status: codes.map((c) => (/^\d+$/.test(c) ? Number(c) : c)),
        follow_redirects: d.follow_redirects,
        verify_tls: d.verify_tls,
        ...(d.body ? { body: d.body } : {}),
        ...(optional(d.keyword) ? { keyword: d.keyword } : {}),
        ...(optional(d.keyword_absent) ? { keyword_absent: d.keyword_absent } : {}),
        ...(optional(d.json_path) ? { json_path: d.json_path.trim() } : {}),
        ...(optional(d.json_expected) ? { json_expected: parseExpected(d.json_expected) } : {}),
      };
      if (d.auth === "basic") {
        check(problems, p("auth.username"), d.auth_username, v.required);
        if (d.auth_username.includes(":")) problems[p("auth.username")] = "must not contain ':'";
        config["auth"] = { type: "basic", username: d.auth_username, password: d.auth_password };
      } else if (d.auth === "bearer") {
        check(problems, p("auth.token"), d.auth_token, v.required);
        config["auth"] = { type: "bearer", token: d.auth_token };
      }
      break;
    }
    case "tcp": {
      const d = draft.tcp;
      check(problems, p("host"), d.host, v.host);
      check(problems, p("port"), d.port, v.port);
      config = { host: d.host.trim(), port: int(d.port) };
      break;
    }
    case "ping": {
      const d = draft.ping;
      check(problems, p("host"), d.host, v.host);
      check(problems, p("count"), d.count, v.intBetween(1, 100));
      check(problems, p("packet_size"), d.packet_size, v.intBetween(0, 65_500));
      config = { host: d.host.trim(), count: int(d.count), packet_size: int(d.packet_size) };
      break;
    }
    case "dns": {
      const d = draft.dns;
      check(problems, p("name"), d.name, v.required);
      check(problems, p("resolver"), d.resolver, v.resolver);
      const expected = d.expected
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean);
      config = {
        name: d.name.trim(),
        record_type: d.record_type,
        ...(optional(d.resolver) ? { resolver: d.resolver.trim() } : {}),
        ...(expected.length ? { expected } : {}),
      };
      break;
    }
    case "grpc": {
      const d = draft.grpc;
      check(problems, p("host"), d.host, v.host);
      check(problems, p("port"), d.port, v.port);
      if (!d.tls && (d.server_name.trim() || d.ca_pem.trim())) problems[p("tls")] = "must be on to use a server name or CA";
      if (d.ca_pem.trim() && !d.ca_pem.includes("-----BEGIN CERTIFICATE-----"))
        problems[p("ca_pem")] = "must hold PEM certificates";
      config = {
        host: d.host.trim(),
        port: int(d.port),
        service: d.service.trim(),
        tls: d.tls,
        metadata: pairMap(d.metadata, p("metadata"), problems),
        ...(optional(d.server_name) ? { server_name: d.server_name.trim() } : {}),
        ...(optional(d.ca_pem) ? { ca_pem: d.ca_pem.trim() } : {}),
      };
      break;
    }
    case "mqtt": {
      const d = draft.mqtt;
      check(problems, p("host"), d.host, v.host);
      check(problems, p("port"), d.port, v.port);
      if (!d.topic) problems[p("topic")] = "is required";
      else if (d.mode === "roundtrip" && /[+#]/.test(d.topic))
        problems[p("topic")] = "must not contain wildcards in roundtrip mode";
      if (d.password && !d.username.trim()) problems[p("username")] = "is required with a password";
      if (d.ca_pem.trim() && !d.tls) problems[p("tls")] = "must be on to use a CA";
      config = {
        host: d.host.trim(),
        port: int(d.port),
        topic: d.topic,
        qos: int(d.qos),
        mode: d.mode,
        tls: d.tls,
        ...(optional(d.username) ? { username: d.username.trim() } : {}),
        ...(d.password ? { password: d.password } : {}),
        ...(optional(d.client_id) ? { client_id: d.client_id.trim() } : {}),
        ...(optional(d.ca_pem) ? { ca_pem: d.ca_pem.trim() } : {}),
      };
      break;
    }
    case "tls": {
      const d = draft.tls;
      check(problems, p("host"), d.host, v.host);
      check(problems, p("port"), d.port, v.port);
      config = {
        host: d.host.trim(),
        port: int(d.port),
        ...(optional(d.server_name) ? { server_name: d.server_name.trim() } : {}),
        ...(optional(d.ca_pem) ? { ca_pem: d.ca_pem.trim() } : {}),
      };
      break;
    }
    case "heartbeat": {
      const d = draft.heartbeat;
      check(problems, p("grace_s"), d.grace_s, v.intBetween(0, 30 * 86_400));
      if (d.schedule === "every") {
        check(problems, p("schedule.every_s"), d.every_s, v.intBetween(1, 366 * 86_400));
        config = { schedule: { every_s: int(d.every_s) }, grace_s: int(d.grace_s) };
      } else {
        const fields = d.cron.trim().split(/\s+/).filter(Boolean).length;
        if (fields < 5 || fields > 6) problems[p("schedule.cron")] = "must have five or six fields, such as 0 2 * * *";
        check(problems, p("schedule.timezone"), d.timezone, v.required);
        config = { schedule: { cron: d.cron.trim(), timezone: d.timezone.trim() }, grace_s: int(d.grace_s) };
      }
      break;
    }
  }
  return { config, problems };
}

/** The whole request body and every problem found locally. */
export function toBody(draft: ServiceDraft): { body: CreateServiceBody; problems: Problems } {
  const { config, problems } = toConfig(draft);
  if (!draft.name.trim()) problems["name"] = "is required";
  else if (draft.name.trim().length > 200) problems["name"] = "must be at most 200 characters";
  if (draft.description.trim().length > 2000) problems["description"] = "must be at most 2000 characters";
  if (draft.type !== "heartbeat") {
    check(problems, "interval_s", draft.interval_s, v.intBetween(1, 86_400));
    check(problems, "timeout_s", draft.timeout_s, v.intBetween(1, 300));
  }
  check(problems, "failure_threshold", draft.failure_threshold, v.intBetween(1, 100));
  check(problems, "success_threshold", draft.success_threshold, v.intBetween(1, 100));
  const labels = pairMap(draft.labels, "labels", problems);
  // `config` was built by toConfig for `draft.type`: the pair is one member of the union.
  const body = {
    name: draft.name.trim(),
    type: draft.type,
    config,
    labels,
    enabled: draft.enabled,
    failure_threshold: int(draft.failure_threshold),
    success_threshold: int(draft.success_threshold),
    // On create, empty means "none"; the edit form sends both always (empty clears).
    ...(draft.description.trim() ? { description: draft.description.trim() } : {}),
    ...(draft.group.trim() ? { group: draft.group.trim() } : {}),
    ...(draft.type !== "heartbeat" ? { interval_s: int(draft.interval_s), timeout_s: int(draft.timeout_s) } : {}),
  } as CreateServiceBody;
  return { body, problems };
}
