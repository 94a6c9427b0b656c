/**
 * The notification channel form's model: each channel type declares its inputs (what the
 * server's `notify/<type>.rs` reads from `config`), and one set of functions turns a
 * stored channel into inputs and inputs into the API body, naming local problems by the
 * server's paths (`config.url`), so both land on the same input.
 */
import type { components } from "@/api/schema";
import type { Pair } from "./service-form";
import * as v from "./validate";

type Schemas = components["schemas"];
export type Channel = Schemas["ChannelView"];
export type ChannelType = Schemas["CreateChannel"]["type"];
export type CreateChannelBody = Schemas["CreateChannel"];

/** What the server sends in place of a stored secret; sent back, it keeps the secret. */
export const SECRET_MASK = "********";

export type FieldKind = "text" | "url" | "secret" | "int" | "list" | "select" | "pairs";

export interface ChannelField {
  key: string;
  label: string;
  kind: FieldKind;
  required?: boolean;
  hint?: string;
  placeholder?: string;
  min?: number;
  max?: number;
  options?: readonly { value: string; label: string }[];
  /** A header whose name looks like a credential is kept as a secret (pairs only). */
  secretValues?: boolean;
  /** Extra check on a non-empty value. */
  check?: (value: string) => string | null;
}

export interface ChannelTypeInfo {
  label: string;
  description: string;
  fields: readonly ChannelField[];
}

const apiUrl = (example: string): ChannelField => ({
  key: "api_url",
  label: "API address",
  kind: "url",
  hint: `Leave empty for ${example}; set it for a proxy or a self-hosted endpoint.`,
  placeholder: example,
});

const webhookUrl = (placeholder: string, hint: string): ChannelField => ({
  key: "webhook_url",
  label: "Webhook URL",
  kind: "secret",
  required: true,
  placeholder,
  hint: `${hint} Kept secret: whoever holds it can post.`,
  check: v.httpUrl,
});

const emailList: ChannelField["check"] = (value) => {
  for (const address of splitList(value)) {
    if (v.email(address)) return `"${address}" is not an e-mail address`;
  }
  return null;
};

/** The channel types in the order the form offers them, with their inputs. */
export const CHANNEL_TYPES: Record<ChannelType, ChannelTypeInfo> = {
  email: {
    label: "E-mail",
    description: "Sends an HTML and text e-mail through the server's SMTP settings (EMAIL_*).",
    fields: [
      {
        key: "to",
        label: "To",
        kind: "list",
        required: true,
        hint: "One address per line or separated by commas; 50 recipients at most.",
        placeholder: "oncall@example.com",
        check: emailList,
      },
      { key: "cc", label: "Cc", kind: "list", hint: "Copied recipients.", check: emailList },
    ],
  },
  webhook: {
    label: "Webhook",
    description: "Sends the alert as JSON, signed as Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature).",
    fields: [
      { key: "url", label: "URL", kind: "url", required: true, placeholder: "https://hooks.example.com/monitron" },
      {
        key: "method",
        label: "Method",
        kind: "select",
        options: [
          { value: "POST", label: "POST" },
          { value: "PUT", label: "PUT" },
          { value: "PATCH", label: "PATCH" },
        ],
      },
      {
        key: "headers",
        label: "Headers",
        kind: "pairs",
        secretValues: true,
        hint: "Not Content-Type or webhook-*; values of credential-like headers are kept secret.",
      },
      {
        key: "secret",
        label: "Signing secret",
        kind: "secret",
        hint: "whsec_ followed by the base64 of the key. Leave empty on a new channel and one is generated and shown once.",
        check: (value) => (/^whsec_[A-Za-z0-9+/=]+$/.test(value) ? null : "must be whsec_ followed by the base64 of the key"),
      },
    ],
  },
  alertmanager: {
    label: "Alertmanager",
    description: "Posts alerts to Prometheus Alertmanager's v2 API; firing alerts are re-sent every minute.",
    fields: [
      {
        key: "url",
        label: "Alertmanager URL",
        kind: "url",
        required: true,
        placeholder: "http://alertmanager:9093",
        hint: "The base URL; one ending in /api/v1/alerts or /api/v2/alerts works too.",
      },
      { key: "username", label: "Basic auth user", kind: "text" },
      { key: "password", label: "Basic auth password", kind: "secret" },
    ],
  },
  telegram: {
    label: "Telegram",
    description: "Sends a message through a Telegram bot.",
    fields: [
      { key: "bot_token", label: "Bot token", kind: "secret", required: true, hint: "From @BotFather." },
      {
        key: "chat_id",
        label: "Chat",
        kind: "text",
        required: true,
        placeholder: "-1001234567890 or @channelname",
        hint: "A numeric chat id or @channelusername.",
      },
      {
        key: "message_thread_id",
        label: "Forum topic id",
        kind: "int",
        min: 1,
        max: Number.MAX_SAFE_INTEGER,
        hint: "Only for a topic in a forum group.",
      },
      apiUrl("https://api.telegram.org"),
    ],
  },
  discord: {
    label: "Discord",
    description: "Posts an embed through a Discord channel webhook.",
    fields: [webhookUrl("https://discord.com/api/webhooks/…", "Channel settings → Integrations → Webhooks.")],
  },
  slack: {
    label: "Slack",
    description: "Posts through an incoming webhook. Mattermost and Rocket.Chat accept the same.",
    fields: [webhookUrl("https://hooks.slack.com/services/…", "An incoming-webhook URL.")],
  },
  teams: {
    label: "Microsoft Teams",
    description: "Posts an Adaptive Card through a Teams workflow webhook.",
    fields: [webhookUrl("https://….webhook.office.com/…", "The workflow's webhook URL.")],
  },
  google_chat: {
    label: "Google Chat",
    description: "Posts into a Google Chat space through its webhook.",
    fields: [webhookUrl("https://chat.googleapis.com/v1/spaces/…", "The space's webhook URL, with its key and token.")],
  },
  ntfy: {
    label: "ntfy",
    description: "Publishes to an ntfy topic.",
    fields: [
      {
        key: "server_url",
        label: "Server",
        kind: "url",
        placeholder: "https://ntfy.sh",
        hint: "Leave empty for https://ntfy.sh.",
      },
      {
        key: "topic",
        label: "Topic",
        kind: "text",
        required: true,
        check: (value) => (value.includes("/") ? "must not contain /" : null),
      },
      { key: "token", label: "Access token", kind: "secret", hint: "For protected topics." },
      {
        key: "priority",
        label: "Priority",
        kind: "int",
        min: 1,
        max: 5,
        hint: "1-5; empty: 5 for critical alerts, 4 for warnings, 3 otherwise.",
      },
    ],
  },
  gotify: {
    label: "Gotify",
    description: "Sends a message to a Gotify server.",
    fields: [
      { key: "server_url", label: "Server", kind: "url", required: true, placeholder: "https://gotify.example.com" },
      { key: "app_token", label: "Application token", kind: "secret", required: true },
      {
        key: "priority",
        label: "Priority",
        kind: "int",
        min: 0,
        max: 10,
        hint: "0-10; empty: 8 for critical alerts, 5 otherwise, 2 for resolves and tests.",
      },
    ],
  },
  pushover: {
    label: "Pushover",
    description: "Sends a push notification through Pushover.",
    fields: [
      { key: "user_key", label: "User or group key", kind: "secret", required: true },
      { key: "app_token", label: "Application token", kind: "secret", required: true },
      {
        key: "priority",
        label: "Priority",
        kind: "int",
        min: -2,
        max: 1,
        hint: "-2 to 1; empty: 1 for critical alerts, 0 otherwise.",
      },
      apiUrl("https://api.pushover.net"),
    ],
  },
  pagerduty: {
    label: "PagerDuty",
    description: "Triggers, acknowledges and resolves incidents through the Events API v2.",
    fields: [
      {
        key: "routing_key",
        label: "Routing key",
        kind: "secret",
        required: true,
        hint: "The integration key of an Events API v2 integration.",
      },
      apiUrl("https://events.pagerduty.com (EU accounts: https://events.eu.pagerduty.com)"),
    ],
  },
  opsgenie: {
    label: "Opsgenie",
    description: "Creates, acknowledges and closes Opsgenie alerts by alias.",
    fields: [
      { key: "api_key", label: "API key", kind: "secret", required: true, hint: "An API integration's key." },
      apiUrl("https://api.opsgenie.com (EU accounts: https://api.eu.opsgenie.com)"),
    ],
  },
  matrix: {
    label: "Matrix",
    description: "Posts into a Matrix room as a bot account.",
    fields: [
      {
        key: "homeserver_url",
        label: "Homeserver",
        kind: "url",
        required: true,
        placeholder: "https://matrix.example.org",
      },
      { key: "access_token", label: "Access token", kind: "secret", required: true, hint: "The sending account's token." },
      {
        key: "room_id",
        label: "Room",
        kind: "text",
        required: true,
        placeholder: "!abc:example.org",
        check: (value) => (/^[!#][^:]+:.+$/.test(value) ? null : "must be a room id like !abc:example.org"),
      },
    ],
  },
};

export const CHANNEL_TYPE_ORDER: readonly ChannelType[] = [
  "email",
  "webhook",
  "slack",
  "discord",
  "teams",
  "google_chat",
  "telegram",
  "matrix",
  "ntfy",
  "gotify",
  "pushover",
  "pagerduty",
  "opsgenie",
  "alertmanager",
];

export function channelTypeLabel(type: string): string {
  return CHANNEL_TYPES[type as ChannelType]?.label ?? type;
}

export type ConfigDraft = Record<string, string | Pair[]>;

export interface ChannelDraft {
  name: string;
  type: ChannelType;
  enabled: boolean;
  default: boolean;
  group_wait_s: string;
  max_attempts: string;
  /** Inputs per type, so switching type and back keeps what was typed. */
  configs: Partial<Record<ChannelType, ConfigDraft>>;
}

function emptyConfig(type: ChannelType): ConfigDraft {
  const out: ConfigDraft = {};
  for (const field of CHANNEL_TYPES[type].fields) {
    out[field.key] = field.kind === "pairs" ? [] : field.kind === "select" ? (field.options?.[0]?.value ?? "") : "";
  }
  return out;
}

export function emptyChannelDraft(type: ChannelType = "webhook"): ChannelDraft {
  return {
    name: "",
    type,
    enabled: true,
    default: false,
    group_wait_s: "0",
    max_attempts: "8",
    configs: { [type]: emptyConfig(type) },
  };
}

/** The inputs of `draft`'s current type. */
export function configOf(draft: ChannelDraft): ConfigDraft {
  return draft.configs[draft.type] ?? emptyConfig(draft.type);
}

export function splitList(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

const text = (value: unknown): string => (value === null || value === undefined ? "" : String(value));

/** The form's inputs for a stored channel. */
export function draftFromChannel(channel: Channel): ChannelDraft {
  const type = (channel.type in CHANNEL_TYPES ? channel.type : "webhook") as ChannelType;
  const stored = (channel.config ?? {}) as Record<string, unknown>;
  const config = emptyConfig(type);
  for (const field of CHANNEL_TYPES[type].fields) {
    const value = stored[field.key];
    if (field.kind === "pairs") {
      config[field.key] =
        value && typeof value === "object"
          ? Object.entries(value as Record<string, unknown>).map(([key, v]) => ({ key, value: text(v) }))
          : [];
    } else if (field.kind === "list") {
      config[field.key] = Array.isArray(value) ? value.map(text).join("\n") : text(value);
    } else if (value !== undefined && value !== null) {
      config[field.key] = text(value);
    }
  }
  return {
    name: channel.name,
    type,
    enabled: channel.enabled,
    default: channel.default,
    group_wait_s: String(channel.group_wait_s),
    max_attempts: String(channel.max_attempts),
    configs: { [type]: config },
  };
}

export type Problems = Record<string, string>;

/** The `config` object for the API and the problems found on the way. */
export function toChannelConfig(type: ChannelType, inputs: ConfigDraft): { config: Record<string, unknown>; problems: Problems } {
  const problems: Problems = {};
  const config: Record<string, unknown> = {};
  for (const field of CHANNEL_TYPES[type].fields) {
    const path = `config.${field.key}`;
    const raw = inputs[field.key];
    if (field.kind === "pairs") {
      const out: Record<string, string> = {};
      (Array.isArray(raw) ? raw : []).forEach((pair, i) => {
        const key = pair.key.trim();
        if (!key && !pair.value.trim()) return;
        if (!key) problems[`${path}[${i}]`] = "needs a name";
        else if (key in out) problems[`${path}.${key}`] = "is given twice";
        else out[key] = pair.value;
      });
      config[field.key] = out;
      continue;
    }
    const value = typeof raw === "string" ? raw.trim() : "";
    if (!value) {
      if (field.required) problems[path] = "is required";
      // Lists go out empty; other optional settings are left out (the server's default).
      if (field.kind === "list") config[field.key] = [];
      continue;
    }
    if (field.kind === "list") {
      config[field.key] = splitList(value);
    } else if (field.kind === "int") {
      const problem = v.intBetween(field.min ?? 0, field.max ?? Number.MAX_SAFE_INTEGER)(value);
      if (problem) problems[path] = problem;
      config[field.key] = Number(value);
    } else {
      config[field.key] = value;
    }
    if (field.kind === "url") {
      const problem = v.httpUrl(value);
      if (problem) problems[path] = problem;
    }
    // A masked secret is the stored one: it is sent back as is and not judged here.
    const masked = field.kind === "secret" && value === SECRET_MASK;
    if (!problems[path] && !masked && field.check) {
      const problem = field.check(value);
      if (problem) problems[path] = problem;
    }
  }
  if (type === "alertmanager" && config["password"] && !config["username"])
    problems["config.username"] = "is required with a password";
  return { config, problems };
}

/** The whole request body (create and change share it) and every problem found locally. */
export function toChannelBody(draft: ChannelDraft): { body: CreateChannelBody; problems: Problems } {
  const { config, problems } = toChannelConfig(draft.type, configOf(draft));
  const name = draft.name.trim();
  if (!name) problems["name"] = "is required";
  else if (name.length > 200) problems["name"] = "must be at most 200 characters";
  const wait = v.intBetween(0, 3600)(draft.group_wait_s);
  if (wait) problems["group_wait_s"] = wait;
  const most = draft.type === "email" ? 10 : 20;
  const attempts = v.intBetween(1, most)(draft.max_attempts);
  if (attempts) problems["max_attempts"] = attempts;
  return {
    body: {
      name,
      type: draft.type,
      config,
      enabled: draft.enabled,
      default: draft.default,
      group_wait_s: Number(draft.group_wait_s.trim()),
      max_attempts: Number(draft.max_attempts.trim()),
    },
    problems,
  };
}

/** Every path the channel form shows an input for (the rest go to the top). */
export function channelFormPaths(type: ChannelType): string[] {
  return [
    "name",
    "type",
    "enabled",
    "default",
    "group_wait_s",
    "max_attempts",
    ...CHANNEL_TYPES[type].fields.map((f) => `config.${f.key}`),
  ];
}

/** Where a channel sends, in a few words, for lists: never a secret. */
export function describeChannel(channel: Pick<Channel, "type" | "config">): string {
  const c = (channel.config ?? {}) as Record<string, unknown>;
  const host = (url: unknown) => {
    try {
      return new URL(String(url)).host;
    } catch {
      return "";
    }
  };
  switch (channel.type) {
    case "email":
      return Array.isArray(c["to"]) ? c["to"].map(text).join(", ") : "";
    case "webhook":
    case "alertmanager":
      return host(c["url"]);
    case "telegram":
      return c["chat_id"] ? `Chat ${text(c["chat_id"])}` : "";
    case "ntfy":
      return `${host(c["server_url"]) || "ntfy.sh"}/${text(c["topic"])}`;
    case "gotify":
      return host(c["server_url"]);
    case "matrix":
      return text(c["room_id"]);
    default:
      return "";
  }
}
