import { describe, expect, it } from "vitest";
import {
  conditionDraft,
  describeCondition,
  emptyCondition,
  emptyRuleDraft,
  ruleDraft,
  toCondition,
  toRuleBody,
  type Rule,
} from "./rule-form";

describe("toCondition", () => {
  it.each([
    [{ ...emptyCondition("down") }, { type: "down" }],
    [
      { ...emptyCondition("down_count"), failures: "5", window_s: "600" },
      { type: "down_count", failures: 5, window_s: 600 },
    ],
    [
      { ...emptyCondition("latency"), stat: "p95", above_ms: "250.5", window_s: "300" },
      { type: "latency", stat: "p95", above_ms: 250.5, window_s: 300 },
    ],
    [
      { ...emptyCondition("uptime"), below_pct: "99.9", window_s: "86400" },
      { type: "uptime", below_pct: 99.9, window_s: 86400 },
    ],
    [
      { ...emptyCondition("certificate_days"), below: "14" },
      { type: "certificate_days", below: 14 },
    ],
    [
      { ...emptyCondition("domain_days"), below: "30" },
      { type: "domain_days", below: 30 },
    ],
    [
      { ...emptyCondition("metric"), metric: "disk_pct" as const, op: "gt" as const, threshold: "85", mount: "/var" },
      { type: "metric", metric: "disk_pct", op: "gt", threshold: 85, mount: "/var" },
    ],
    [
      { ...emptyCondition("metric"), metric: "gpu_temp_c" as const, threshold: "90", device: "0", mount: "/ignored" },
      { type: "metric", metric: "gpu_temp_c", op: "gt", threshold: 90, device: "0" },
    ],
  ])("builds %o", (draft, condition) => {
    const problems = {};
    expect(toCondition(draft, problems)).toEqual(condition);
    expect(problems).toEqual({});
  });

  it.each([
    [{ ...emptyCondition("down_count"), failures: "0" }, "condition.failures", "must be between 1 and 10000"],
    [{ ...emptyCondition("down_count"), window_s: "5" }, "condition.window_s", "must be between 10 and 86400"],
    [{ ...emptyCondition("latency"), above_ms: "fast" }, "condition.above_ms", "must be a number"],
    [{ ...emptyCondition("uptime"), window_s: "30" }, "condition.window_s", "must be between 60 and 7776000"],
    [{ ...emptyCondition("uptime"), below_pct: "101" }, "condition.below_pct", "must be between 0 and 100"],
    [{ ...emptyCondition("certificate_days"), below: "0" }, "condition.below", "must be between 1 and 3650"],
    [
      { ...emptyCondition("metric"), metric: "gpu_temp_c" as const, threshold: "250" },
      "condition.threshold",
      "must be between 0 and 200",
    ],
  ])("names the bad input of %o", (draft, path, reason) => {
    const problems: Record<string, string> = {};
    toCondition(draft, problems);
    expect(problems[path]).toBe(reason);
  });
});

describe("rules", () => {
  const stored: Rule = {
    id: "r1",
    name: "Slow API",
    enabled: true,
    severity: "warning",
    targets: { kind: "service", group: "web", labels: { env: "prod" } },
    condition: { type: "latency", stat: "p95", above_ms: 500, window_s: 300 },
    for_s: 60,
    repeat_interval_s: 3600,
    cooldown_s: 0,
    send_resolved: false,
    channels: ["c1"],
    escalation_policy_id: "p1",
    message: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  };

  it("round-trips a stored rule", () => {
    const { body, problems } = toRuleBody(ruleDraft(stored));
    expect(problems).toEqual({});
    expect(body).toEqual({
      name: "Slow API",
      enabled: true,
      severity: "warning",
      targets: { kind: "service", group: "web", labels: { env: "prod" } },
      condition: { type: "latency", stat: "p95", above_ms: 500, window_s: 300 },
      for_s: 60,
      repeat_interval_s: 3600,
      cooldown_s: 0,
      send_resolved: false,
      channels: ["c1"],
      escalation_policy_id: "p1",
      message: null,
    });
  });

  it("needs a name and sane delays", () => {
    const draft = { ...emptyRuleDraft(), for_s: "-1", repeat_interval_s: "x" };
    expect(toRuleBody(draft).problems).toEqual({
      name: "is required",
      for_s: "must be between 0 and 2592000",
      repeat_interval_s: "must be a whole number",
    });
  });

  it("reads unknown conditions as down rather than failing", () => {
    expect(conditionDraft({ type: "new_kind" }).type).toBe("down");
  });

  it("says the condition in words", () => {
    expect(describeCondition(stored.condition)).toBe("p95 response time above 500 ms over 5 min");
    expect(describeCondition({ type: "metric", metric: "disk_pct", op: "gt", threshold: 90, mount: "/" })).toBe(
      "Disk used on / above 90 %",
    );
    expect(describeCondition({ type: "down_count", failures: 3, window_s: 600 })).toBe("3 failed checks within 10 min");
  });
});
