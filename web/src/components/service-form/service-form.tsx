/**
 * Create or edit a service. Inputs are checked as the user goes (once an input was left),
 * and the server's field errors (`config.url`, `interval_s`...) always land on their
 * input; anything no input shows is listed at the top, so no reason is lost.
 */
import { useMemo, useState, type FormEvent } from "react";
import { ApiError } from "@/api/envelope";
import type { CreateServiceBody } from "@/api/types";
import { FormError } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { CHECK_TYPE_INFO, CHECK_TYPES, type CheckType } from "@/lib/check-types";
import { errorAt, formLevelError } from "@/lib/form-errors";
import { toBody, type ServiceDraft } from "@/lib/service-form";
import { CheckFields } from "./check-fields";
import { Field, ServiceFormContext, type ServiceFormApi } from "./form-context";
import { PairsEditor } from "./pairs-editor";

/** Every path an input on this form shows (the rest go to the top). */
const SHOWN_PATHS = [
  "name",
  "description",
  "group",
  "labels",
  "type",
  "interval_s",
  "timeout_s",
  "failure_threshold",
  "success_threshold",
  "config.url",
  "config.method",
  "config.headers",
  "config.body",
  "config.expected_status",
  "config.keyword",
  "config.keyword_absent",
  "config.json_path",
  "config.json_expected",
  "config.auth",
  "config.host",
  "config.port",
  "config.count",
  "config.packet_size",
  "config.name",
  "config.record_type",
  "config.resolver",
  "config.expected",
  "config.service",
  "config.tls",
  "config.server_name",
  "config.ca_pem",
  "config.metadata",
  "config.topic",
  "config.qos",
  "config.mode",
  "config.username",
  "config.password",
  "config.client_id",
  "config.schedule",
  "config.grace_s",
];

/** The path an input change clears server errors for. */
function pathsOf(key: string, field?: string): string[] {
  if (!field) return [key];
  const map: Record<string, string> = {
    auth_username: "config.auth.username",
    auth_password: "config.auth.password",
    auth_token: "config.auth.token",
    every_s: "config.schedule.every_s",
    cron: "config.schedule.cron",
    timezone: "config.schedule.timezone",
    schedule: "config.schedule",
  };
  return [map[field] ?? `config.${field}`];
}

export function ServiceForm({
  initial,
  editing,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial: ServiceDraft;
  editing: boolean;
  submitLabel: string;
  /** Sends the body; rejects with an ApiError whose fields are shown on the inputs. */
  onSubmit: (body: CreateServiceBody, draft: ServiceDraft) => Promise<void>;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState(initial);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [serverFields, setServerFields] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const { body, problems } = useMemo(() => toBody(draft), [draft]);

  const clearServer = (paths: string[]) =>
    setServerFields((old) => {
      const next = { ...old };
      let changed = false;
      for (const key of Object.keys(next)) {
        if (paths.some((p) => key === p || key.startsWith(`${p}.`) || key.startsWith(`${p}[`))) {
          delete next[key];
          changed = true;
        }
      }
      return changed ? next : old;
    });

  const form: ServiceFormApi = {
    draft,
    editing,
    set: (key, value) => {
      setDraft((old) => ({ ...old, [key]: value }));
      clearServer(pathsOf(key));
    },
    setCheck: (type, field, value) => {
      setDraft((old) => ({ ...old, [type]: { ...(old[type] as object), [field]: value } }));
      clearServer(pathsOf(type, String(field)));
    },
    errorFor: (path) => {
      const server = errorAt(serverFields, path);
      if (server) return server;
      const relevant = submitted || [...touched].some((t) => t === path || path.startsWith(`${t}.`) || t.startsWith(`${path}.`));
      return relevant ? errorAt(problems, path) : undefined;
    },
    touch: (path) =>
      setTouched((old) => {
        if (old.has(path)) return old;
        const next = new Set(old);
        next.add(path);
        return next;
      }),
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setFailure(null);
    if (Object.keys(problems).length > 0) {
      // Bring the first problem into view for keyboard and screen-reader users.
      requestAnimationFrame(() => document.querySelector<HTMLElement>("[aria-invalid='true']")?.focus());
      return;
    }
    setBusy(true);
    try {
      await onSubmit(body, draft);
    } catch (error) {
      setFailure(error);
      if (error instanceof ApiError) setServerFields(error.fields);
      requestAnimationFrame(() =>
        (
          document.querySelector<HTMLElement>("[aria-invalid='true']") ?? document.querySelector<HTMLElement>("[role='alert']")
        )?.focus(),
      );
    } finally {
      setBusy(false);
    }
  };

  const top = formLevelError(failure, SHOWN_PATHS);
  const localCount = submitted ? Object.keys(problems).length : 0;
  const labelsError = form.errorFor("labels");

  return (
    <ServiceFormContext.Provider value={form}>
      <form onSubmit={submit} noValidate className="flex max-w-3xl flex-col gap-4">
        <FormError message={top} />
        {localCount > 0 && !failure ? (
          <FormError message={`Check the ${localCount === 1 ? "field" : `${localCount} fields`} marked below.`} />
        ) : null}

        <Card>
          <CardHeader>
            <CardTitle>What to check</CardTitle>
            <CardDescription>{CHECK_TYPE_INFO[draft.type].description}</CardDescription>
          </CardHeader>
          <CardContent className="flex flex-col gap-4">
            <Field path="type" label="Check type" required>
              <NativeSelect value={draft.type} onChange={(e) => form.set("type", e.target.value as CheckType)}>
                {CHECK_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {CHECK_TYPE_INFO[t].label}
                  </option>
                ))}
              </NativeSelect>
            </Field>
            <CheckFields />
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Name and grouping</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-4">
            <Field path="name" label="Name" required>
              <Input value={draft.name} onChange={(e) => form.set("name", e.target.value)} maxLength={200} />
            </Field>
            <Field path="description" label="Description">
              <Textarea
                value={draft.description}
                onChange={(e) => form.set("description", e.target.value)}
                rows={2}
                className="font-sans text-sm"
              />
            </Field>
            <Field path="group" label="Group" hint="Services are listed by group; access can be granted per group.">
              <Input value={draft.group} onChange={(e) => form.set("group", e.target.value)} />
            </Field>
            <div onBlur={() => form.touch("labels")}>
              <PairsEditor
                id="service-labels"
                label="Labels"
                pairs={draft.labels}
                onChange={(pairs) => form.set("labels", pairs)}
                keyPlaceholder="env"
                valuePlaceholder="production"
                addLabel="Add label"
                describedBy={labelsError ? "service-labels-error" : undefined}
                invalid={Boolean(labelsError)}
              />
              {labelsError ? (
                <p id="service-labels-error" className="mt-1 text-xs font-medium text-destructive-text">
                  {labelsError}
                </p>
              ) : null}
            </div>
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Schedule</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-4">
            {draft.type !== "heartbeat" ? (
              <div className="grid gap-4 sm:grid-cols-2">
                <Field path="interval_s" label="Check every (seconds)" required hint="1-86400">
                  <Input inputMode="numeric" value={draft.interval_s} onChange={(e) => form.set("interval_s", e.target.value)} />
                </Field>
                <Field path="timeout_s" label="Timeout (seconds)" required hint="1-300">
                  <Input inputMode="numeric" value={draft.timeout_s} onChange={(e) => form.set("timeout_s", e.target.value)} />
                </Field>
              </div>
            ) : null}
            <div className="grid gap-4 sm:grid-cols-2">
              <Field path="failure_threshold" label="Down after failures in a row" hint="1-100">
                <Input
                  inputMode="numeric"
                  value={draft.failure_threshold}
                  onChange={(e) => form.set("failure_threshold", e.target.value)}
                />
              </Field>
              <Field path="success_threshold" label="Up again after successes in a row" hint="1-100">
                <Input
                  inputMode="numeric"
                  value={draft.success_threshold}
                  onChange={(e) => form.set("success_threshold", e.target.value)}
                />
              </Field>
            </div>
            <div className="flex items-center gap-3">
              <Switch id="service-enabled" checked={draft.enabled} onCheckedChange={(v) => form.set("enabled", v)} />
              <Label htmlFor="service-enabled">{draft.enabled ? "Checking is on" : "Paused"}</Label>
            </div>
          </CardContent>
        </Card>

        <div className="flex flex-wrap gap-2">
          <Button type="submit" disabled={busy}>
            {busy ? "Saving…" : submitLabel}
          </Button>
          <Button variant="outline" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
        </div>
      </form>
    </ServiceFormContext.Provider>
  );
}
