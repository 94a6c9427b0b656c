/**
 * Create or edit an instance: push (the agent dials this server; nothing needs to reach
 * the host) or pull (the server calls the agent's API with the agent's credentials),
 * what to call it, and how often it reports or is polled.
 */
import { useCallback } from "react";
import type { CreateInstanceBody } from "@/api/types";
import { ApiField, FormProblems, LabelsField } from "@/components/api-field";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { cn } from "@/lib/cn";
import { AUTH_TYPES, toInstanceBody, type Connection, type InstanceDraft } from "@/lib/instance-form";
import { useApiForm } from "@/lib/use-api-form";

const SHOWN_PATHS = [
  "name",
  "host",
  "connection",
  "agent_port",
  "tls",
  "tls_skip_verify",
  "agent_auth",
  "description",
  "group",
  "labels",
  "enabled",
  "interval_s",
  "timeout_s",
  "failure_threshold",
  "success_threshold",
];

const CONNECTIONS: { value: Connection; title: string; text: string }[] = [
  {
    value: "push",
    title: "Push: the agent reports here",
    text: "For hosts behind NAT or a firewall. The agent dials this server with a one-time enrollment token.",
  },
  {
    value: "pull",
    title: "Pull: this server polls the agent",
    text: "The server calls the agent's API (port 7773) with the agent's credentials.",
  },
];

export function InstanceForm({
  initial,
  editing,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial: InstanceDraft;
  editing: boolean;
  submitLabel: string;
  /** Sends the body; rejects with an ApiError whose fields are shown on the inputs. */
  onSubmit: (body: CreateInstanceBody) => Promise<void>;
  onCancel: () => void;
}) {
  const toBody = useCallback((draft: InstanceDraft) => toInstanceBody(draft, editing), [editing]);
  const form = useApiForm({ initial, toBody, shownPaths: SHOWN_PATHS, send: (body) => onSubmit(body) });
  const d = form.draft;
  const pull = d.connection === "pull";
  const secretHint = editing ? "Shown as ******** when stored; leave it to keep it." : undefined;

  return (
    <form onSubmit={form.onSubmit} noValidate className="flex max-w-3xl flex-col gap-4">
      <FormProblems form={form} />

      <Card>
        <CardHeader>
          <CardTitle>Connection</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <fieldset>
            <legend className="mb-2 text-sm font-medium">How the server and the agent reach each other</legend>
            <div className="grid gap-2 sm:grid-cols-2">
              {CONNECTIONS.map((c) => (
                <label
                  key={c.value}
                  className={cn(
                    "flex cursor-pointer gap-3 rounded-md border p-3 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring",
                    d.connection === c.value && "border-primary-text bg-accent",
                  )}
                >
                  <input
                    type="radio"
                    name="connection"
                    value={c.value}
                    checked={d.connection === c.value}
                    onChange={() => form.set("connection", c.value, ["connection", "agent_auth", "agent_port"])}
                    className="mt-1 accent-[var(--primary)]"
                  />
                  <span>
                    <span className="block text-sm font-medium">{c.title}</span>
                    <span className="block text-xs text-muted-foreground">{c.text}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          {editing && initial.connection !== d.connection ? (
            <p className="rounded-md border border-pending/50 bg-pending-soft px-3 py-2 text-sm text-pending-text">
              {d.connection === "push"
                ? "After saving, issue an enrollment token on the instance's page and start the agent with it."
                : "After saving, the server polls the agent; start it listening with these credentials."}
            </p>
          ) : null}
          <div className={cn("grid gap-4", pull && "sm:grid-cols-[1fr_8rem]")}>
            <ApiField
              form={form}
              path="host"
              label={pull ? "Agent host" : "Host"}
              required
              hint={pull ? "Name or address the server reaches the agent at." : "The host's name, for you: the agent dials in."}
            >
              <Input value={d.host} onChange={(e) => form.set("host", e.target.value)} autoComplete="off" spellCheck={false} />
            </ApiField>
            {pull ? (
              <ApiField form={form} path="agent_port" label="Port" required>
                <Input inputMode="numeric" value={d.agent_port} onChange={(e) => form.set("agent_port", e.target.value)} />
              </ApiField>
            ) : null}
          </div>
          {pull ? (
            <>
              <div className="flex flex-col gap-3">
                <div className="flex items-center gap-3">
                  <Switch
                    id="instance-tls"
                    checked={d.tls}
                    onCheckedChange={(value) => form.set("tls", value, ["tls", "tls_skip_verify"])}
                  />
                  <Label htmlFor="instance-tls">Call the agent over HTTPS</Label>
                </div>
                {d.tls ? (
                  <div className="flex items-center gap-3">
                    <Switch
                      id="instance-tls-skip"
                      checked={d.tls_skip_verify}
                      onCheckedChange={(value) => form.set("tls_skip_verify", value)}
                    />
                    <Label htmlFor="instance-tls-skip">
                      Accept any certificate (self-signed; anyone in between could read the credentials)
                    </Label>
                  </div>
                ) : null}
              </div>
              <ApiField
                form={form}
                path="agent_auth.type"
                label="Agent authentication"
                hint={AUTH_TYPES.find((a) => a.value === d.auth_type)?.hint}
              >
                <NativeSelect
                  value={d.auth_type}
                  onChange={(e) => form.set("auth_type", e.target.value as InstanceDraft["auth_type"], ["agent_auth"])}
                >
                  {AUTH_TYPES.map((a) => (
                    <option key={a.value} value={a.value}>
                      {a.label}
                    </option>
                  ))}
                </NativeSelect>
              </ApiField>
              {d.auth_type === "jwt" || d.auth_type === "basic" ? (
                <div className="grid gap-4 sm:grid-cols-2">
                  <ApiField form={form} path="agent_auth.username" label="User name" required>
                    <Input
                      value={d.username}
                      onChange={(e) => form.set("username", e.target.value, ["agent_auth.username"])}
                      autoComplete="off"
                    />
                  </ApiField>
                  <ApiField
                    form={form}
                    path="agent_auth.password"
                    label="Password"
                    required
                    hint={secretHint ?? "At least 8 characters."}
                  >
                    <Input
                      type="password"
                      value={d.password}
                      onChange={(e) => form.set("password", e.target.value, ["agent_auth.password"])}
                      autoComplete="new-password"
                    />
                  </ApiField>
                </div>
              ) : d.auth_type === "api_key" ? (
                <ApiField
                  form={form}
                  path="agent_auth.api_key"
                  label="API key"
                  required
                  hint={secretHint ?? "At least 16 characters."}
                >
                  <Input
                    type="password"
                    value={d.api_key}
                    onChange={(e) => form.set("api_key", e.target.value, ["agent_auth.api_key"])}
                    autoComplete="new-password"
                  />
                </ApiField>
              ) : (
                <ApiField
                  form={form}
                  path="agent_auth.secret"
                  label="Shared secret"
                  required
                  hint={secretHint ?? "At least 16 characters."}
                >
                  <Input
                    type="password"
                    value={d.secret}
                    onChange={(e) => form.set("secret", e.target.value, ["agent_auth.secret"])}
                    autoComplete="new-password"
                  />
                </ApiField>
              )}
            </>
          ) : null}
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Name and grouping</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <ApiField form={form} path="name" label="Name" required>
            <Input value={d.name} onChange={(e) => form.set("name", e.target.value)} maxLength={200} />
          </ApiField>
          <ApiField form={form} path="description" label="Description">
            <Textarea
              value={d.description}
              onChange={(e) => form.set("description", e.target.value)}
              rows={2}
              className="font-sans text-sm"
            />
          </ApiField>
          <ApiField form={form} path="group" label="Group" hint="Instances are listed by group; access can be granted per group.">
            <Input value={d.group} onChange={(e) => form.set("group", e.target.value)} />
          </ApiField>
          <LabelsField form={form} id="instance-labels" />
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Schedule</CardTitle>
          <CardDescription>
            {pull
              ? "How often the server polls the agent, and how long a poll may take."
              : "How often the agent reports; it counts as down after the interval plus the timeout without a report."}
          </CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <div className="grid gap-4 sm:grid-cols-2">
            <ApiField
              form={form}
              path="interval_s"
              label={pull ? "Poll every (seconds)" : "Report every (seconds)"}
              required
              hint="1-86400"
            >
              <Input inputMode="numeric" value={d.interval_s} onChange={(e) => form.set("interval_s", e.target.value)} />
            </ApiField>
            <ApiField form={form} path="timeout_s" label="Timeout (seconds)" required hint="1-300">
              <Input inputMode="numeric" value={d.timeout_s} onChange={(e) => form.set("timeout_s", e.target.value)} />
            </ApiField>
            <ApiField form={form} path="failure_threshold" label="Down after failures in a row" hint="1-100">
              <Input
                inputMode="numeric"
                value={d.failure_threshold}
                onChange={(e) => form.set("failure_threshold", e.target.value)}
              />
            </ApiField>
            <ApiField form={form} path="success_threshold" label="Up again after successes in a row" hint="1-100">
              <Input
                inputMode="numeric"
                value={d.success_threshold}
                onChange={(e) => form.set("success_threshold", e.target.value)}
              />
            </ApiField>
          </div>
          <div className="flex items-center gap-3">
            <Switch id="instance-enabled" checked={d.enabled} onCheckedChange={(value) => form.set("enabled", value)} />
            <Label htmlFor="instance-enabled">{d.enabled ? "Monitoring is on" : "Paused"}</Label>
          </div>
        </CardContent>
      </Card>

      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={form.busy}>
          {form.busy ? "Saving…" : submitLabel}
        </Button>
        <Button variant="outline" onClick={onCancel} disabled={form.busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
