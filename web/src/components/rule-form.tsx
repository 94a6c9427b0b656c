/**
 * Create or edit an alert rule: what must hold (a condition per type), for which
 * monitors, how long, how often to remind, and who hears about it.
 */
import { Link } from "react-router";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import {
  CONDITION_TYPES,
  emptyCondition,
  METRICS,
  PER_DEVICE,
  RULE_FORM_PATHS,
  SEVERITIES,
  STATS,
  toRuleBody,
  type ConditionDraft,
  type ConditionType,
  type MetricName,
  type RuleBody,
  type RuleDraft,
  type Severity,
} from "@/lib/rule-form";
import { formatDuration } from "@/lib/time";
import { useDraftForm, type DraftForm } from "@/lib/use-draft-form";
import { usePolicies } from "@/queries/escalation-policies";
import { ChannelPicker } from "./channel-picker";
import { FormTop, PathField, SwitchField } from "./path-field";
import { TargetSelector } from "./target-selector";

/** "= 5 min" under a seconds input, so the number is easy to check. */
function seconds(value: string, zero?: string): string | undefined {
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim())) return undefined;
  if (n === 0) return zero;
  return `= ${formatDuration(n)}`;
}

function ConditionFields({ form }: { form: DraftForm<RuleDraft> }) {
  const c = form.draft.condition;
  const set = <K extends keyof ConditionDraft>(key: K, value: ConditionDraft[K]) =>
    form.update((old) => ({ ...old, condition: { ...old.condition, [key]: value } }), [`condition.${key}`]);
  const field = (key: keyof ConditionDraft, label: string, hint?: string, placeholder?: string) => (
    <PathField form={form} path={`condition.${key}`} label={label} hint={hint} required>
      <Input inputMode="decimal" value={c[key]} placeholder={placeholder} onChange={(e) => set(key, e.target.value)} />
    </PathField>
  );
  const window = (min: number, max: number) =>
    field("window_s", "Window (seconds)", `${seconds(c.window_s) ?? ""} ${min}-${max} s`.trim());
  switch (c.type) {
    case "down":
      return (
        <p className="text-sm text-muted-foreground">
          Fires when a monitor goes down: after its failure threshold, when its incident opens.
        </p>
      );
    case "down_count":
      return (
        <div className="grid gap-4 sm:grid-cols-2">
          {field("failures", "Failed checks", "1-10000")}
          {window(10, 86_400)}
        </div>
      );
    case "latency":
      return (
        <div className="grid gap-4 sm:grid-cols-3">
          <PathField form={form} path="condition.stat" label="Statistic">
            <NativeSelect value={c.stat} onChange={(e) => set("stat", e.target.value)}>
              {STATS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </NativeSelect>
          </PathField>
          {field("above_ms", "Above (ms)", "0-600000")}
          {window(10, 86_400)}
        </div>
      );
    case "uptime":
      return (
        <div className="grid gap-4 sm:grid-cols-2">
          {field("below_pct", "Below (%)", "0-100")}
          {window(60, 90 * 86_400)}
        </div>
      );
    case "certificate_days":
      return field("below", "Expires within (days)", "1-3650; checked on TLS and HTTPS services.");
    case "domain_days":
      return field("below", "Expires within (days)", "1-3650; checked on domains.");
    case "metric": {
      const metric = METRICS.find((m) => m.value === c.metric)!;
      return (
        <div className="flex flex-col gap-4">
          <div className="grid gap-4 sm:grid-cols-[1fr_8rem_10rem]">
            <PathField form={form} path="condition.metric" label="Metric">
              <NativeSelect
                value={c.metric}
                onChange={(e) =>
                  form.update(
                    (old) => ({
                      ...old,
                      condition: { ...old.condition, metric: e.target.value as MetricName, mount: "", device: "" },
                    }),
                    ["condition.metric", "condition.mount", "condition.device"],
                  )
                }
              >
                {METRICS.map((m) => (
                  <option key={m.value} value={m.value}>
                    {m.label}
                  </option>
                ))}
              </NativeSelect>
            </PathField>
            <PathField form={form} path="condition.op" label="Comparison">
              <NativeSelect value={c.op} onChange={(e) => set("op", e.target.value as "gt" | "lt")}>
                <option value="gt">Above</option>
                <option value="lt">Below</option>
              </NativeSelect>
            </PathField>
            {field("threshold", `Threshold${metric.unit ? ` (${metric.unit})` : ""}`, `0-${metric.max}`)}
          </div>
          {c.metric === "disk_pct" ? (
            <PathField form={form} path="condition.mount" label="Mount" hint="Empty: every mount.">
              <Input value={c.mount} placeholder="/" onChange={(e) => set("mount", e.target.value)} />
            </PathField>
          ) : PER_DEVICE.includes(c.metric) ? (
            <PathField
              form={form}
              path="condition.device"
              label={c.metric.startsWith("gpu") ? "GPU index" : "Interface"}
              hint="Empty: every device."
            >
              <Input
                value={c.device}
                placeholder={c.metric.startsWith("gpu") ? "0" : "eth0"}
                onChange={(e) => set("device", e.target.value)}
              />
            </PathField>
          ) : null}
        </div>
      );
    }
  }
}

export function RuleForm({
  initial,
  submitLabel,
  onSubmit,
  cancelTo,
}: {
  initial: RuleDraft;
  submitLabel: string;
  onSubmit: (body: RuleBody) => Promise<void>;
  cancelTo: string;
}) {
  const form = useDraftForm(initial, toRuleBody, onSubmit);
  const { draft } = form;
  const policies = usePolicies(1, 500);
  const set = <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]) => form.update((old) => ({ ...old, [key]: value }), [key]);
  const policyKnown = !draft.escalation_policy_id || policies.data?.items.some((p) => p.id === draft.escalation_policy_id);

  return (
    <form onSubmit={form.onSubmit} noValidate className="flex max-w-3xl flex-col gap-4">
      <FormTop form={form} shownPaths={RULE_FORM_PATHS} />
      <Card>
        <CardHeader>
          <CardTitle>When it fires</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <PathField form={form} path="condition.type" label="Condition" required>
            <NativeSelect
              value={draft.condition.type}
              onChange={(e) =>
                form.update((old) => ({ ...old, condition: emptyCondition(e.target.value as ConditionType) }), ["condition"])
              }
            >
              {CONDITION_TYPES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </NativeSelect>
          </PathField>
          <ConditionFields form={form} />
          <PathField
            form={form}
            path="for_s"
            label="Only after it holds for (seconds)"
            hint={seconds(draft.for_s, "0: fires as soon as it holds.")}
          >
            <Input inputMode="numeric" value={draft.for_s} onChange={(e) => set("for_s", e.target.value)} />
          </PathField>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Which monitors</CardTitle>
          <CardDescription>Each matching monitor gets its own alert.</CardDescription>
        </CardHeader>
        <CardContent>
          <TargetSelector
            form={form}
            value={draft.targets}
            onChange={(targets, paths) => form.update((old) => ({ ...old, targets }), paths)}
          />
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Who hears about it</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <ChannelPicker
            id="rule-channels"
            legend="Channels"
            value={draft.channels}
            onChange={(ids) => set("channels", ids)}
            error={form.errorFor("channels")}
            hint="None chosen: the default channels."
          />
          <PathField
            form={form}
            path="escalation_policy_id"
            label="Escalation policy"
            hint="Runs in addition to the channels until someone acknowledges."
          >
            <NativeSelect value={draft.escalation_policy_id} onChange={(e) => set("escalation_policy_id", e.target.value)}>
              <option value="">None</option>
              {policies.data?.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
              {!policyKnown ? <option value={draft.escalation_policy_id}>Unknown policy</option> : null}
            </NativeSelect>
          </PathField>
          <SwitchField
            id="rule-send-resolved"
            label="Tell the channels when it resolves"
            checked={draft.send_resolved}
            onChange={(v) => set("send_resolved", v)}
          />
          <div className="grid gap-4 sm:grid-cols-2">
            <PathField
              form={form}
              path="repeat_interval_s"
              label="Remind every (seconds)"
              hint={seconds(draft.repeat_interval_s, "0: no reminders.") ?? "While firing and unacknowledged."}
            >
              <Input
                inputMode="numeric"
                value={draft.repeat_interval_s}
                onChange={(e) => set("repeat_interval_s", e.target.value)}
              />
            </PathField>
            <PathField
              form={form}
              path="cooldown_s"
              label="Cooldown (seconds)"
              hint={seconds(draft.cooldown_s, "0: no cooldown.") ?? "Least gap between two firing messages of one target."}
            >
              <Input inputMode="numeric" value={draft.cooldown_s} onChange={(e) => set("cooldown_s", e.target.value)} />
            </PathField>
          </div>
          <PathField
            form={form}
            path="message"
            label="Message template"
            hint={
              <>
                Optional MiniJinja line for the alert, such as {"{{ monitor.name }} is {{ alert.status }}"}. Empty: the default.
              </>
            }
          >
            <Textarea value={draft.message} rows={2} onChange={(e) => set("message", e.target.value)} spellCheck={false} />
          </PathField>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Name</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <div className="grid gap-4 sm:grid-cols-[1fr_10rem]">
            <PathField form={form} path="name" label="Name" required>
              <Input value={draft.name} maxLength={200} onChange={(e) => set("name", e.target.value)} />
            </PathField>
            <PathField form={form} path="severity" label="Severity">
              <NativeSelect value={draft.severity} onChange={(e) => set("severity", e.target.value as Severity)}>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s} className="capitalize">
                    {s.charAt(0).toUpperCase() + s.slice(1)}
                  </option>
                ))}
              </NativeSelect>
            </PathField>
          </div>
          <SwitchField
            id="rule-enabled"
            label={draft.enabled ? "The rule is on" : "The rule is off"}
            hint="A rule that is off is not judged and opens no alerts."
            checked={draft.enabled}
            onChange={(v) => set("enabled", v)}
          />
        </CardContent>
      </Card>

      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={form.busy}>
          {form.busy ? "Saving…" : submitLabel}
        </Button>
        <Button variant="outline" asChild>
          <Link to={cancelTo}>Cancel</Link>
        </Button>
      </div>
    </form>
  );
}
