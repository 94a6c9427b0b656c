/** The service check types: names for people, and a one-line target for lists. */

export const CHECK_TYPES = ["http", "tcp", "ping", "dns", "grpc", "mqtt", "tls", "heartbeat"] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

export const CHECK_TYPE_INFO: Record<CheckType, { label: string; description: string }> = {
  http: { label: "HTTP(S)", description: "Requests a URL and checks the status code, body or JSON." },
  tcp: { label: "TCP port", description: "Opens a TCP connection to a host and port." },
  ping: { label: "Ping", description: "Sends ICMP echo requests to a host." },
  dns: { label: "DNS", description: "Resolves a name and optionally checks the answers." },
  grpc: { label: "gRPC", description: "Asks a gRPC server's standard health service." },
  mqtt: { label: "MQTT", description: "Connects to a broker, optionally publishing or waiting for a message." },
  tls: { label: "TLS certificate", description: "Connects over TLS and checks the server's certificate." },
  heartbeat: { label: "Heartbeat (cron job)", description: "Waits for a job to ping Monitron on a schedule." },
};

export function checkTypeLabel(type: string): string {
  return CHECK_TYPE_INFO[type as CheckType]?.label ?? type;
}

function str(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

/** What a service checks, in one line ("https://example.com/health", "db:5432"). */
export function describeTarget(type: string, config: Record<string, unknown>): string {
  switch (type) {
    case "http":
      return str(config["url"]);
    case "tcp":
    case "grpc":
    case "tls":
      return `${str(config["host"])}:${str(config["port"]) || (type === "tls" ? "443" : "")}`;
    case "mqtt":
      return `${str(config["host"])}:${str(config["port"]) || "1883"} ${str(config["topic"])}`.trim();
    case "ping":
      return str(config["host"]);
    case "dns":
      return `${str(config["name"])} ${str(config["record_type"]) || "A"}`;
    case "heartbeat": {
      const schedule = (config["schedule"] ?? {}) as Record<string, unknown>;
      if (schedule["cron"]) return `cron ${str(schedule["cron"])} ${str(schedule["timezone"])}`.trim();
      if (schedule["every_s"]) return `every ${str(schedule["every_s"])} s`;
      return "";
    }
    default:
      return "";
  }
}
