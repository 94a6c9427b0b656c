import { describe, expect, it } from "vitest";
import { draftFromAgentConfig, holdsMaskedSecret, newProbe, toAgentConfigBody } from "./agent-config";

const stored = {
  revision: 3,
  report_interval_s: 10,
  probes: [{ name: "gateway", type: "ping", config: { host: "192.0.2.1", count: 3 }, interval_s: 60, timeout_s: 10 }],
  plugins: { interval_s: 60, timeout_s: 10 },
  buffer: { max_bytes: 67_108_864, max_age_s: 86_400 },
};

describe("agent configuration", () => {
  it("round-trips a stored configuration, in MiB and minutes on the form", () => {
    const draft = draftFromAgentConfig(stored);
    expect(draft.buffer_max_mib).toBe("64");
    expect(draft.buffer_max_age_min).toBe("1440");
    const { body, problems } = toAgentConfigBody(draft);
    expect(problems).toEqual({});
    // The server sets the revision and the report interval itself.
    expect(body).toEqual({ probes: stored.probes, plugins: stored.plugins, buffer: stored.buffer });
  });

  it("falls back to the defaults for anything missing", () => {
    const draft = draftFromAgentConfig({});
    expect(draft).toMatchObject({ probes: [], plugins_interval_s: "60", plugins_timeout_s: "10", buffer_max_mib: "64" });
  });

  it("names problems by the API's paths", () => {
    const draft = draftFromAgentConfig(stored);
    draft.probes.push({ ...draft.probes[0]!, config: "{ nope", interval_s: "0" });
    draft.probes.push({ ...draft.probes[0]!, name: "other", config: "[1]" });
    draft.buffer_max_mib = "0.5";
    const { problems } = toAgentConfigBody(draft);
    expect(Object.keys(problems).sort()).toEqual([
      "buffer.max_bytes",
      "probes[1].config",
      "probes[1].interval_s",
      "probes[1].name",
      "probes[2].config",
    ]);
    expect(problems["probes[1].name"]).toBe("is used by another probe");
  });

  it("starts a new probe from its type's template with a free name", () => {
    const probe = newProbe("tcp", ["tcp", "tcp-2"]);
    expect(probe.name).toBe("tcp-3");
    expect(JSON.parse(probe.config)).toEqual({ host: "10.0.0.5", port: 5432 });
    expect(holdsMaskedSecret('{"auth": {"password": "********"}}')).toBe(true);
  });
});
