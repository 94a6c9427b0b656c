/**
 * The alert rule form's model: the condition of each type with its inputs and limits (as
 * `alerting/rules.rs` checks them), the rest of the rule, and the API body, with local
 * problems keyed by the server's paths (`condition.window_s`).
 */
import type { components } from "@/api/schema";
import { formatDuration } from "./time";
import { emptySelector, selectorDraft, toSelector, type SelectorDraft } from "./selector";
import * as v from "./validate";

type Schemas = components["schemas"];
export type Rule = Schemas["RuleView"];
export type RuleBody = Schemas["RuleInput"];
export type Severity = Schemas["Severity"];

export const SEVERITIES: readonly Severity[] = ["critical", "warning", "info"];

export const CONDITION_TYPES = [
  { value: "down", label: "Monitor is down" },
  { value: "down_count", label: "Failed checks within a window" },
  { value: "latency", label: "Response time above a threshold" },
  { value: "uptime", label: "Uptime below a percentage" },
  { value: "certificate_days", label: "TLS certificate expires soon" },
  { value: "domain_days", label: "Domain registration expires soon" },
  { value: "metric", label: "Host metric crosses a threshold" },
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number]["value"];

export const METRICS = [
  { value: "cpu_pct", label: "CPU usage", unit: "%", max: 100 },
  { value: "mem_pct", label: "Memory used", unit: "%", max: 100 },
  { value: "swap_pct", label: "Swap used", unit: "%", max: 100 },
  { value: "disk_pct", label: "Disk used", unit: "%", max: 100 },
  { value: "load1", label: "Load average (1 min)", unit: "", max: 100_000 },
  { value: "gpu_util_pct", label: "GPU utilisation", unit: "%", max: 100 },
  { value: "gpu_temp_c", label: "GPU temperature", unit: "°C", max: 200 },
  { value: "net_rx_pct", label: "Network receive (of link speed)", unit: "%", max: 100 },
  { value: "net_tx_pct", label: "Network transmit (of link speed)", unit: "%", max: 100 },
] as const;
export type MetricName = (typeof METRICS)[number]["value"];

export const PER_DEVICE: readonly string[] = ["gpu_util_pct", "gpu_temp_c", "net_rx_pct", "net_tx_pct"];

export const STATS = [
  { value: "avg", label: "Average" },
  { value: "p95", label: "95th percentile" },
  { value: "max", label: "Maximum" },
] as const;

export interface ConditionDraft {
  type: ConditionType;
  failures: string;
  window_s: string;
  stat: string;
  above_ms: string;
  metric: MetricName;
  op: "gt" | "lt";
  threshold: string;
  mount: string;
  device: string;
  below: string;
  below_pct: string;
}

export interface RuleDraft {
  name: string;
  enabled: boolean;
  severity: Severity;
  targets: SelectorDraft;
  condition: ConditionDraft;
  for_s: string;
  repeat_interval_s: string;
  cooldown_s: string;
  send_resolved: boolean;
  channels: string[];
  escalation_policy_id: string;
  message: string;
}

/** The condition's inputs with each type's sensible starting values. */
export function emptyCondition(type: ConditionType = "down"): ConditionDraft {
  return {
    type,
    failures: "3",
    window_s: type === "uptime" ? "86400" : "300",
    stat: "avg",
    above_ms: "1000",
    metric: "cpu_pct",
    op: "gt",
    threshold: "90",
    mount: "",
    device: "",
    below: type === "domain_days" ? "30" : "14",
    below_pct: "99",
  };
}

export function emptyRuleDraft(): RuleDraft {
  return {
    name: "",
    enabled: true,
    severity: "critical",
    targets: emptySelector(),
    condition: emptyCondition(),
    for_s: "0",
    repeat_interval_s: "0",
    cooldown_s: "0",
    send_resolved: true,
    channels: [],
    escalation_policy_id: "",
    message: "",
  };
}

const text = (value: unknown, fallback: string): string => (value === null || value === undefined ? fallback : String(value));

export function conditionDraft(condition: unknown): ConditionDraft {
  const c = (condition ?? {}) as Record<string, unknown>;
  const type = (CONDITION_TYPES.some((t) => t.value === c["type"]) ? c["type"] : "down") as ConditionType;
  const base = emptyCondition(type);
  return {
    type,
    failures: text(c["failures"], base.failures),
    window_s: text(c["window_s"], base.window_s),
    stat: text(c["stat"], base.stat),
    above_ms: text(c["above_ms"], base.above_ms),
    metric: (METRICS.some((m) => m.value === c["metric"]) ? c["metric"] : base.metric) as MetricName,
    op: c["op"] === "lt" ? "lt" : "gt",
    threshold: text(c["threshold"], base.threshold),
    mount: text(c["mount"], ""),
    device: text(c["device"], ""),
    below: text(c["below"], base.below),
    below_pct: text(c["below_pct"], base.below_pct),
  };
}

export function ruleDraft(rule: Rule): RuleDraft {
  return {
    name: rule.name,
    enabled: rule.enabled,
    severity: rule.severity,
    targets: selectorDraft(rule.targets),
    condition: conditionDraft(rule.condition),
    for_s: String(rule.for_s),
    repeat_interval_s: String(rule.repeat_interval_s),
    cooldown_s: String(rule.cooldown_s),
    send_resolved: rule.send_resolved,
    channels: rule.channels,
    escalation_policy_id: rule.escalation_policy_id ?? "",
    message: rule.message ?? "",
  };
}

/** A number between `min` and `max` (decimals allowed). */
function numberBetween(min: number, max: number): v.Check {
  return (value) => {
    const t = value.trim();
    if (!/^-?\d+(\.\d+)?$/.test(t)) return "must be a number";
    const n = Number(t);
    return n < min || n > max ? `must be between ${min} and ${max}` : null;
  };
}

/** The condition object for the API and the problems found on the way. */
export function toCondition(d: ConditionDraft, problems: Record<string, string>): Record<string, unknown> {
  const check = (field: keyof ConditionDraft, value: string, rule: v.Check) => {
    const problem = rule(value);
    if (problem) problems[`condition.${field}`] = problem;
    return Number(value.trim());
  };
  switch (d.type) {
    case "down":
      return { type: "down" };
    case "down_count":
      return {
        type: "down_count",
        failures: check("failures", d.failures, v.intBetween(1, 10_000)),
        window_s: check("window_s", d.window_s, v.intBetween(10, 86_400)),
      };
    case "latency":
      return {
        type: "latency",
        stat: d.stat,
        above_ms: check("above_ms", d.above_ms, numberBetween(0, 600_000)),
        window_s: check("window_s", d.window_s, v.intBetween(10, 86_400)),
      };
    case "uptime":
      return {
        type: "uptime",
        below_pct: check("below_pct", d.below_pct, numberBetween(0, 100)),
        window_s: check("window_s", d.window_s, v.intBetween(60, 90 * 86_400)),
      };
    case "certificate_days":
    case "domain_days":
      return { type: d.type, below: check("below", d.below, v.intBetween(1, 3650)) };
    case "metric": {
      const max = METRICS.find((m) => m.value === d.metric)?.max ?? 100;
      const out: Record<string, unknown> = {
        type: "metric",
        metric: d.metric,
        op: d.op,
        threshold: check("threshold", d.threshold, numberBetween(0, max)),
      };
      if (d.metric === "disk_pct" && d.mount.trim()) out["mount"] = d.mount.trim();
      if (PER_DEVICE.includes(d.metric) && d.device.trim()) out["device"] = d.device.trim();
      return out;
    }
  }
}

export const MAX_DELAY_S = 30 * 86_400;

/** The whole body (create and change share it) and every problem found locally. */
export function toRuleBody(draft: RuleDraft): { body: RuleBody; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const name = draft.name.trim();
  if (!name) problems["name"] = "is required";
  else if (name.length > 200) problems["name"] = "must be at most 200 characters";
  const condition = toCondition(draft.condition, problems);
  const targets = toSelector(draft.targets, "targets", problems);
  const seconds = (field: "for_s" | "repeat_interval_s" | "cooldown_s") => {
    const problem = v.intBetween(0, MAX_DELAY_S)(draft[field]);
    if (problem) problems[field] = problem;
    return Number(draft[field].trim());
  };
  const body: RuleBody = {
    name,
    enabled: draft.enabled,
    severity: draft.severity,
    targets,
    condition,
    for_s: seconds("for_s"),
    repeat_interval_s: seconds("repeat_interval_s"),
    cooldown_s: seconds("cooldown_s"),
    send_resolved: draft.send_resolved,
    channels: draft.channels,
    escalation_policy_id: draft.escalation_policy_id || null,
    message: draft.message.trim() ? draft.message : null,
  };
  return { body, problems };
}

export const RULE_FORM_PATHS = [
  "name",
  "enabled",
  "severity",
  "targets",
  "condition",
  "for_s",
  "repeat_interval_s",
  "cooldown_s",
  "send_resolved",
  "channels",
  "escalation_policy_id",
  "message",
] as const;

/** The condition in words: "p95 response time above 500 ms over 5 min". */
export function describeCondition(condition: unknown): string {
  const d = conditionDraft(condition);
  const window = formatDuration(Number(d.window_s));
  switch (d.type) {
    case "down":
      return "Monitor is down";
    case "down_count":
      return `${d.failures} failed checks within ${window}`;
    case "latency": {
      const stat = d.stat === "p95" ? "p95" : d.stat === "max" ? "Maximum" : "Average";
      return `${stat} response time above ${d.above_ms} ms over ${window}`;
    }
    case "uptime":
      return `Uptime below ${d.below_pct}% over ${window}`;
    case "certificate_days":
      return `Certificate expires within ${d.below} days`;
    case "domain_days":
      return `Domain expires within ${d.below} days`;
    case "metric": {
      const metric = METRICS.find((m) => m.value === d.metric)!;
      const where = d.mount ? ` on ${d.mount}` : d.device ? ` on ${d.device}` : "";
      return `${metric.label}${where} ${d.op === "gt" ? "above" : "below"} ${d.threshold}${metric.unit ? ` ${metric.unit}` : ""}`;
    }
  }
}
