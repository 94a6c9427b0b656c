import { describe, expect, it } from "vitest";
import type { Service } from "@/api/types";
import { draftFromService, emptyDraft, SECRET_MASK, toBody, type ServiceDraft } from "./service-form";

function draft(change: (d: ServiceDraft) => void, type: ServiceDraft["type"] = "http"): ServiceDraft {
  const d = emptyDraft(type);
  d.name = "API";
  change(d);
  return d;
}

describe("service form model", () => {
  it("builds an HTTP body with codes as numbers and ranges as text", () => {
    const { body, problems } = toBody(
      draft((d) => {
        d.http.url = " https://example.com/health ";
        d.http.expected_status = "200, 3xx,400-404";
        d.http.headers = [{ key: "Accept", value: "application/json" }];
        d.http.json_path = "$.status";
        d.http.json_expected = '"ok"';
        d.http.auth = "bearer";
        d.http.auth_token = "abc";
        d.labels = [{ key: "env", value: "prod" }];
        d.group = " web ";
      }),
    );
    expect(problems).toEqual({});
    expect(body).toEqual({
      name: "API",
      type: "http",
      enabled: true,
      labels: { env: "prod" },
      group: "web",
      interval_s: 60,
      timeout_s: 30,
      failure_threshold: 1,
      success_threshold: 1,
      config: {
        url: "https://example.com/health",
        method: "GET",
        headers: { Accept: "application/json" },
        expected_status: [200, "3xx", "400-404"],
        follow_redirects: true,
        verify_tls: true,
        json_path: "$.status",
        json_expected: "ok",
        auth: { type: "bearer", token: "abc" },
      },
    });
  });

  it("names local problems by the server's paths", () => {
    const { problems } = toBody(
      draft((d) => {
        d.name = "";
        d.http.url = "example.com";
        d.http.expected_status = "200, 700";
        d.interval_s = "0";
        d.http.headers = [{ key: "", value: "x" }];
      }),
    );
    expect(problems).toEqual({
      name: "is required",
      "config.url": "is not a valid URL",
      "config.expected_status[1]": "must be between 100 and 599",
      "config.headers[0]": "needs a name",
      interval_s: "must be between 1 and 86400",
    });
  });

  it("builds every other check type's config", () => {
    expect(toBody(draft((d) => Object.assign(d.tcp, { host: "db", port: "5432" }), "tcp")).body.config).toEqual({
      host: "db",
      port: 5432,
    });
    expect(toBody(draft((d) => (d.ping.host = "10.0.0.1"), "ping")).body.config).toEqual({
      host: "10.0.0.1",
      count: 1,
      packet_size: 56,
    });
    expect(
      toBody(
        draft((d) => Object.assign(d.dns, { name: "example.com", record_type: "MX", expected: "10 mx.example.com\n\n" }), "dns"),
      ).body.config,
    ).toEqual({ name: "example.com", record_type: "MX", expected: ["10 mx.example.com"] });
    expect(toBody(draft((d) => Object.assign(d.grpc, { host: "g", port: "50051" }), "grpc")).body.config).toEqual({
      host: "g",
      port: 50051,
      service: "",
      tls: false,
      metadata: {},
    });
    expect(toBody(draft((d) => Object.assign(d.mqtt, { host: "broker", topic: "a/#" }), "mqtt")).body.config).toEqual({
      host: "broker",
      port: 1883,
      topic: "a/#",
      qos: 0,
      mode: "connect",
      tls: false,
    });
    expect(toBody(draft((d) => (d.tls.host = "example.com"), "tls")).body.config).toEqual({ host: "example.com", port: 443 });
  });

  it("builds heartbeat schedules and leaves the interval to the server", () => {
    const every = toBody(draft((d) => (d.heartbeat.every_s = "300"), "heartbeat")).body;
    expect(every.config).toEqual({ schedule: { every_s: 300 }, grace_s: 300 });
    expect(every.interval_s).toBeUndefined();
    const cron = toBody(
      draft((d) => Object.assign(d.heartbeat, { schedule: "cron", cron: "0 2 * * *", timezone: "Europe/Berlin" }), "heartbeat"),
    );
    expect(cron.body.config).toEqual({ schedule: { cron: "0 2 * * *", timezone: "Europe/Berlin" }, grace_s: 300 });
    expect(
      toBody(draft((d) => Object.assign(d.heartbeat, { schedule: "cron", cron: "daily" }), "heartbeat")).problems,
    ).toHaveProperty("config.schedule.cron");
  });

  it("refuses wildcards in MQTT round-trip mode, as the server does", () => {
    const { problems } = toBody(draft((d) => Object.assign(d.mqtt, { host: "b", topic: "a/+", mode: "roundtrip" }), "mqtt"));
    expect(problems["config.topic"]).toMatch(/wildcards/);
  });

  it("round-trips a stored service, keeping masked secrets as the mask", () => {
    const service = {
      id: "1",
      name: "API",
      description: null,
      type: "http",
      config: {
        url: "https://example.com/",
        method: "POST",
        headers: { Authorization: SECRET_MASK },
        body: "{}",
        expected_status: [200, "2xx"],
        follow_redirects: false,
        verify_tls: true,
        auth: { type: "basic", username: "u", password: SECRET_MASK },
        json_expected: 42,
        json_path: "$.n",
      },
      labels: {},
      depends_on: [],
      group: null,
      enabled: false,
      interval_s: 30,
      timeout_s: 10,
      failure_threshold: 2,
      success_threshold: 1,
      created_at: "",
      updated_at: "",
      state: { status: "paused" },
    } as unknown as Service;
    const d = draftFromService(service);
    expect(d.http.expected_status).toBe("200, 2xx");
    expect(d.http.json_expected).toBe("42");
    const { body, problems } = toBody(d);
    expect(problems).toEqual({});
    expect(body.config).toEqual({ ...(service.config as object), expected_status: [200, "2xx"] });
    expect(body.enabled).toBe(false);
    expect(body.interval_s).toBe(30);
  });
});
