/**
 * The instance form's model: how the server and the agent reach each other (pull: the
 * server calls the agent's API with its credentials; push: the agent dials the server),
 * how a stored instance fills the inputs, and the API body they become.
 */
import type { AgentAuthType, CreateInstanceBody, Instance } from "@/api/types";
import { checkInto, checkName, int, optional, pairMap, pairsOf } from "./form-model";
import { SECRET_MASK, type Pair } from "./service-form";
import type { Problems } from "./use-api-form";
import * as v from "./validate";

export type Connection = "pull" | "push";

export interface InstanceDraft {
  name: string;
  host: string;
  connection: Connection;
  agent_port: string;
  tls: boolean;
  tls_skip_verify: boolean;
  auth_type: AgentAuthType;
  username: string;
  password: string;
  api_key: string;
  secret: string;
  description: string;
  group: string;
  labels: Pair[];
  enabled: boolean;
  interval_s: string;
  timeout_s: string;
  failure_threshold: string;
  success_threshold: string;
}

export const AUTH_TYPES: { value: AgentAuthType; label: string; hint: string }[] = [
  { value: "jwt", label: "JWT (user name and password)", hint: "The agent's MONITRON_AGENT_USERNAME and _PASSWORD." },
  { value: "basic", label: "Basic (user name and password)", hint: "The agent's MONITRON_AGENT_USERNAME and _PASSWORD." },
  { value: "api_key", label: "API key", hint: "The agent's MONITRON_AGENT_API_KEY." },
  { value: "hmac", label: "HMAC-signed requests", hint: "The agent's MONITRON_AGENT_HMAC_SECRET." },
];

export function emptyInstanceDraft(connection: Connection = "push"): InstanceDraft {
  return {
    name: "",
    host: "",
    connection,
    agent_port: "7773",
    tls: false,
    tls_skip_verify: false,
    auth_type: "api_key",
    username: "",
    password: "",
    api_key: "",
    secret: "",
    description: "",
    group: "",
    labels: [],
    enabled: true,
    interval_s: "10",
    timeout_s: "30",
    failure_threshold: "1",
    success_threshold: "1",
  };
}

export function draftFromInstance(instance: Instance): InstanceDraft {
  const auth = instance.agent_auth;
  return {
    name: instance.name,
    host: instance.host,
    connection: instance.connection,
    agent_port: String(instance.agent_port),
    tls: instance.tls,
    tls_skip_verify: instance.tls_skip_verify,
    auth_type: auth.type,
    username: auth.username ?? "",
    password: auth.password ?? "",
    api_key: auth.api_key ?? "",
    secret: auth.secret ?? "",
    description: instance.description ?? "",
    group: instance.group ?? "",
    labels: pairsOf(instance.labels),
    enabled: instance.enabled,
    interval_s: String(instance.interval_s),
    timeout_s: String(instance.timeout_s),
    failure_threshold: String(instance.failure_threshold),
    success_threshold: String(instance.success_threshold),
  };
}

/** A secret the agent also checks: long enough for it to start, or the stored one (masked). */
function secret(min: number): v.Check {
  return (value) => {
    if (value === SECRET_MASK) return null;
    if (!value) return "is required";
    return value.length < min ? `must be at least ${min} characters (the agent refuses shorter ones)` : null;
  };
}

/**
 * The body for `POST /instances` (and, with `editing`, `PATCH`: empty description and
 * group are sent empty, which clears them; a masked secret sent back keeps the stored one).
 */
export function toInstanceBody(draft: InstanceDraft, editing = false): { body: CreateInstanceBody; problems: Problems } {
  const problems: Problems = {};
  checkName(problems, draft.name);
  checkInto(problems, "host", draft.host, v.host);
  if (draft.description.trim().length > 2000) problems["description"] = "must be at most 2000 characters";
  checkInto(problems, "interval_s", draft.interval_s, v.intBetween(1, 86_400));
  checkInto(problems, "timeout_s", draft.timeout_s, v.intBetween(1, 300));
  checkInto(problems, "failure_threshold", draft.failure_threshold, v.intBetween(1, 100));
  checkInto(problems, "success_threshold", draft.success_threshold, v.intBetween(1, 100));
  const labels = pairMap(draft.labels, "labels", problems);
  const body: CreateInstanceBody = {
    name: draft.name.trim(),
    host: draft.host.trim(),
    connection: draft.connection,
    labels,
    enabled: draft.enabled,
    interval_s: int(draft.interval_s),
    timeout_s: int(draft.timeout_s),
    failure_threshold: int(draft.failure_threshold),
    success_threshold: int(draft.success_threshold),
  };
  if (draft.connection === "pull") {
    checkInto(problems, "agent_port", draft.agent_port, v.port);
    body.agent_port = int(draft.agent_port);
    body.tls = draft.tls;
    body.tls_skip_verify = draft.tls && draft.tls_skip_verify;
    switch (draft.auth_type) {
      case "jwt":
      case "basic":
        checkInto(problems, "agent_auth.username", draft.username, v.required);
        checkInto(problems, "agent_auth.password", draft.password, secret(8));
        body.agent_auth = { type: draft.auth_type, username: draft.username.trim(), password: draft.password };
        break;
      case "api_key":
        checkInto(problems, "agent_auth.api_key", draft.api_key, secret(16));
        body.agent_auth = { type: "api_key", api_key: draft.api_key };
        break;
      case "hmac":
        checkInto(problems, "agent_auth.secret", draft.secret, secret(16));
        body.agent_auth = { type: "hmac", secret: draft.secret };
        break;
    }
  }
  const description = optional(draft.description);
  const group = optional(draft.group);
  if (editing) {
    body.description = description ?? "";
    body.group = group ?? "";
  } else {
    if (description) body.description = description;
    if (group) body.group = group;
  }
  return { body, problems };
}

/** "Push, connected", "Push, not enrolled yet", "Pull, port 7773". */
export function connectionText(instance: Pick<Instance, "connection" | "agent_port" | "enrolled_at" | "connected">): string {
  if (instance.connection === "pull") return `Pull, port ${instance.agent_port}`;
  if (!instance.enrolled_at) return "Push, not enrolled yet";
  return instance.connected ? "Push, connected" : "Push, not connected";
}
