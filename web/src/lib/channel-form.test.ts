import { describe, expect, it } from "vitest";
import {
  CHANNEL_TYPE_ORDER,
  CHANNEL_TYPES,
  configOf,
  draftFromChannel,
  emptyChannelDraft,
  SECRET_MASK,
  toChannelBody,
  toChannelConfig,
  type Channel,
  type ChannelDraft,
  type ChannelType,
} from "./channel-form";

function draftWith(type: ChannelType, config: Record<string, unknown>, name = "Ops"): ChannelDraft {
  const draft = emptyChannelDraft(type);
  draft.name = name;
  draft.configs[type] = { ...configOf(draft), ...(config as Record<string, string>) };
  return draft;
}

const channel = (type: string, config: Record<string, unknown>): Channel => ({
  id: "c1",
  name: "Ops",
  type,
  config,
  enabled: true,
  default: false,
  group_wait_s: 0,
  max_attempts: 8,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});

describe("channel types", () => {
  it("offers every type the server defines, once", () => {
    expect(new Set(CHANNEL_TYPE_ORDER).size).toBe(14);
    expect([...CHANNEL_TYPE_ORDER].sort()).toEqual(Object.keys(CHANNEL_TYPES).sort());
  });
});

describe("toChannelBody", () => {
  it.each<[ChannelType, Record<string, unknown>, Record<string, unknown>]>([
    [
      "email",
      { to: "a@example.com, b@example.com\nc@example.com" },
      { to: ["a@example.com", "b@example.com", "c@example.com"], cc: [] },
    ],
    [
      "webhook",
      { url: "https://hooks.example.com/x", headers: [{ key: "X-Team", value: "ops" }] },
      { url: "https://hooks.example.com/x", method: "POST", headers: { "X-Team": "ops" } },
    ],
    [
      "telegram",
      { bot_token: "123:abc", chat_id: "-100", message_thread_id: "7" },
      { bot_token: "123:abc", chat_id: "-100", message_thread_id: 7 },
    ],
    [
      "slack",
      { webhook_url: "https://hooks.slack.com/services/T/B/x" },
      { webhook_url: "https://hooks.slack.com/services/T/B/x" },
    ],
    ["ntfy", { topic: "alerts", priority: "4" }, { topic: "alerts", priority: 4 }],
    ["pagerduty", { routing_key: "R0UT1NG" }, { routing_key: "R0UT1NG" }],
    [
      "matrix",
      { homeserver_url: "https://m.example.org", access_token: "t", room_id: "!abc:example.org" },
      { homeserver_url: "https://m.example.org", access_token: "t", room_id: "!abc:example.org" },
    ],
    ["alertmanager", { url: "http://am:9093" }, { url: "http://am:9093" }],
  ])("%s: builds the config the server reads", (type, inputs, config) => {
    const { body, problems } = toChannelBody(draftWith(type, inputs));
    expect(problems).toEqual({});
    expect(body.type).toBe(type);
    expect(body.config).toEqual(config);
    expect(body.name).toBe("Ops");
  });

  it.each<[ChannelType, Record<string, unknown>, string, string]>([
    ["email", { to: "" }, "config.to", "is required"],
    ["email", { to: "ops@example.com, nope" }, "config.to", '"nope" is not an e-mail address'],
    ["webhook", { url: "ftp://x" }, "config.url", "must start with http:// or https://"],
    [
      "webhook",
      { url: "https://x.example", secret: "plain" },
      "config.secret",
      "must be whsec_ followed by the base64 of the key",
    ],
    ["telegram", { bot_token: "x", chat_id: "" }, "config.chat_id", "is required"],
    ["ntfy", { topic: "a/b" }, "config.topic", "must not contain /"],
    ["ntfy", { topic: "a", priority: "9" }, "config.priority", "must be between 1 and 5"],
    [
      "gotify",
      { server_url: "https://g.example", app_token: "t", priority: "11" },
      "config.priority",
      "must be between 0 and 10",
    ],
    ["pushover", { user_key: "u", app_token: "t", priority: "2" }, "config.priority", "must be between -2 and 1"],
    [
      "matrix",
      { homeserver_url: "https://m.example", access_token: "t", room_id: "abc" },
      "config.room_id",
      "must be a room id like !abc:example.org",
    ],
    ["alertmanager", { url: "http://am:9093", password: "p" }, "config.username", "is required with a password"],
    ["discord", { webhook_url: "not a url" }, "config.webhook_url", "is not a valid URL"],
  ])("%s: names the bad input by the server's path", (type, inputs, path, reason) => {
    const { problems } = toChannelBody(draftWith(type, inputs));
    expect(problems[path]).toBe(reason);
  });

  it("keeps a masked secret as it is, unjudged", () => {
    const { body, problems } = toChannelBody(draftWith("webhook", { url: "https://x.example", secret: SECRET_MASK }));
    expect(problems).toEqual({});
    expect((body.config as Record<string, unknown>)["secret"]).toBe(SECRET_MASK);
  });

  it("checks the common settings, with e-mail's lower attempt limit", () => {
    const draft = draftWith("email", { to: "a@example.com" }, " ");
    draft.group_wait_s = "3601";
    draft.max_attempts = "11";
    expect(toChannelBody(draft).problems).toEqual({
      name: "is required",
      group_wait_s: "must be between 0 and 3600",
      max_attempts: "must be between 1 and 10",
    });
  });

  it("names duplicate and nameless headers", () => {
    const { problems } = toChannelConfig("webhook", {
      url: "https://x.example",
      method: "POST",
      headers: [
        { key: "A", value: "1" },
        { key: "A", value: "2" },
        { key: "", value: "3" },
      ],
      secret: "",
    });
    expect(problems).toEqual({ "config.headers.A": "is given twice", "config.headers[2]": "needs a name" });
  });
});

describe("draftFromChannel", () => {
  it("fills the inputs from a stored channel and round-trips", () => {
    const stored = channel("webhook", {
      url: "https://x.example/hook",
      method: "PUT",
      headers: { Authorization: SECRET_MASK },
      secret: SECRET_MASK,
    });
    const draft = draftFromChannel(stored);
    expect(draft.type).toBe("webhook");
    expect(configOf(draft)["headers"]).toEqual([{ key: "Authorization", value: SECRET_MASK }]);
    const { body, problems } = toChannelBody(draft);
    expect(problems).toEqual({});
    expect(body.config).toEqual(stored.config);
  });

  it("joins e-mail lists one per line", () => {
    const draft = draftFromChannel(channel("email", { to: ["a@example.com", "b@example.com"] }));
    expect(configOf(draft)["to"]).toBe("a@example.com\nb@example.com");
  });
});
