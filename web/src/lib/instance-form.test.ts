import { describe, expect, it } from "vitest";
import type { Instance } from "@/api/types";
import { connectionText, draftFromInstance, emptyInstanceDraft, toInstanceBody } from "./instance-form";

const base = { ...emptyInstanceDraft(), name: "db1", host: "10.0.0.5" };

describe("instance form", () => {
  it("sends no agent credentials for a push instance", () => {
    const { body, problems } = toInstanceBody({ ...base, connection: "push", api_key: "" });
    expect(problems).toEqual({});
    expect(body).toMatchObject({ name: "db1", host: "10.0.0.5", connection: "push", interval_s: 10, timeout_s: 30 });
    expect(body).not.toHaveProperty("agent_auth");
    expect(body).not.toHaveProperty("agent_port");
  });

  it("sends the credentials of the chosen mode for a pull instance", () => {
    const key = { ...base, connection: "pull" as const, auth_type: "api_key" as const, api_key: "a-long-random-agent-key" };
    expect(toInstanceBody(key).body).toMatchObject({
      agent_port: 7773,
      tls: false,
      agent_auth: { type: "api_key", api_key: key.api_key },
    });
    const jwt = { ...base, connection: "pull" as const, auth_type: "jwt" as const, username: " mon ", password: "password1" };
    expect(toInstanceBody(jwt).body.agent_auth).toEqual({ type: "jwt", username: "mon", password: "password1" });
  });

  it("asks for secrets the agent would accept, and keeps a masked one", () => {
    const short = toInstanceBody({ ...base, connection: "pull", auth_type: "hmac", secret: "short" });
    expect(short.problems["agent_auth.secret"]).toMatch(/at least 16/);
    const jwt = toInstanceBody({ ...base, connection: "pull", auth_type: "basic", username: "", password: "" });
    expect(Object.keys(jwt.problems).sort()).toEqual(["agent_auth.password", "agent_auth.username"]);
    const masked = toInstanceBody({ ...base, connection: "pull", auth_type: "api_key", api_key: "********" }, true);
    expect(masked.problems).toEqual({});
    expect(masked.body.agent_auth).toEqual({ type: "api_key", api_key: "********" });
  });

  it("checks the common fields", () => {
    const { problems } = toInstanceBody({ ...base, name: "", host: "http://x/y", interval_s: "0", failure_threshold: "x" });
    expect(Object.keys(problems).sort()).toEqual(["failure_threshold", "host", "interval_s", "name"]);
  });

  it("fills the form from a stored instance and says how it connects", () => {
    const stored = {
      id: "i1",
      name: "edge",
      host: "edge-1",
      agent_port: 7773,
      connection: "pull",
      tls: true,
      tls_skip_verify: false,
      agent_auth: { type: "basic", username: "mon", password: "********" },
      labels: {},
      enabled: true,
      interval_s: 15,
      timeout_s: 5,
      failure_threshold: 2,
      success_threshold: 1,
      connected: false,
      agent_config_revision: 1,
      agent_config_delivered: 1,
      created_at: "",
      updated_at: "",
      state: { status: "up" },
    } satisfies Instance;
    const draft = draftFromInstance(stored);
    expect(draft).toMatchObject({
      connection: "pull",
      auth_type: "basic",
      username: "mon",
      password: "********",
      interval_s: "15",
    });
    expect(toInstanceBody(draft, true).body).toMatchObject({ description: "", group: "", tls: true });
    expect(connectionText(stored)).toBe("Pull, port 7773");
    expect(connectionText({ ...stored, connection: "push", enrolled_at: null })).toBe("Push, not enrolled yet");
    expect(connectionText({ ...stored, connection: "push", enrolled_at: "2026-01-01T00:00:00Z", connected: true })).toBe(
      "Push, connected",
    );
  });
});
