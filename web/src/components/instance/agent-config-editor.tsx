/**
 * The agent configuration the server holds for an instance: probes the agent runs, plugin
 * timing and the offline buffer's bounds. Editors change it (field errors land on their
 * inputs); viewers read it. Push agents connected now get it at once, others on their
 * next contact.
 */
import { Plus, Trash2 } from "lucide-react";
import { useMemo, useState } from "react";
import type { AgentConfigView } from "@/api/types";
import { ApiField, FormProblems } from "@/components/api-field";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import {
  draftFromAgentConfig,
  holdsMaskedSecret,
  newProbe,
  PROBE_TYPE_LABEL,
  PROBE_TYPES,
  toAgentConfigBody,
  type AgentConfigDraft,
  type ProbeDraft,
  type ProbeType,
} from "@/lib/agent-config";
import { formatDuration } from "@/lib/time";
import { useApiForm, type ApiForm } from "@/lib/use-api-form";
import { useAgentConfig, useSaveAgentConfig } from "@/queries/instances";

const SHOWN_PATHS = ["probes", "plugins.interval_s", "plugins.timeout_s", "buffer.max_bytes", "buffer.max_age_s"];

function ProbeFields({
  form,
  index,
  probe,
  readOnly,
}: {
  form: ApiForm<AgentConfigDraft>;
  index: number;
  probe: ProbeDraft;
  readOnly: boolean;
}) {
  const at = (field: string) => `probes[${index}].${field}`;
  const change = (field: keyof ProbeDraft, value: string) =>
    form.update(
      (old) => ({ ...old, probes: old.probes.map((p, i) => (i === index ? { ...p, [field]: value } : p)) }),
      [at(field)],
    );
  const whole = form.errorFor(`probes[${index}]`, true);
  const known = (PROBE_TYPES as readonly string[]).includes(probe.type);
  return (
    <fieldset
      className="flex flex-col gap-3 rounded-md border p-3 aria-[invalid=true]:border-destructive-text"
      aria-invalid={whole ? true : undefined}
      aria-describedby={whole ? `probe-${index}-error` : undefined}
      // Focusable, so a failed save can bring a whole-probe reason into view.
      tabIndex={whole ? -1 : undefined}
    >
      <legend className="px-1 text-sm font-medium">
        Probe {index + 1}
        {probe.name ? `: ${probe.name}` : ""}
      </legend>
      {whole ? (
        <p id={`probe-${index}-error`} className="text-xs font-medium text-destructive-text">
          {whole}
        </p>
      ) : null}
      <div className="grid gap-3 sm:grid-cols-2">
        <ApiField form={form} path={at("name")} label="Name" required>
          <Input value={probe.name} onChange={(e) => change("name", e.target.value)} readOnly={readOnly} maxLength={100} />
        </ApiField>
        <ApiField form={form} path={at("type")} label="Type" required>
          <NativeSelect value={probe.type} onChange={(e) => change("type", e.target.value)} disabled={readOnly}>
            {PROBE_TYPES.map((t) => (
              <option key={t} value={t}>
                {PROBE_TYPE_LABEL[t]}
              </option>
            ))}
            {known ? null : <option value={probe.type}>{probe.type}</option>}
          </NativeSelect>
        </ApiField>
        <ApiField form={form} path={at("interval_s")} label="Every (seconds)" hint="1-86400">
          <Input
            inputMode="numeric"
            value={probe.interval_s}
            onChange={(e) => change("interval_s", e.target.value)}
            readOnly={readOnly}
          />
        </ApiField>
        <ApiField form={form} path={at("timeout_s")} label="Timeout (seconds)" hint="1-300">
          <Input
            inputMode="numeric"
            value={probe.timeout_s}
            onChange={(e) => change("timeout_s", e.target.value)}
            readOnly={readOnly}
          />
        </ApiField>
      </div>
      <ApiField
        form={form}
        path={at("config")}
        label="Settings (JSON)"
        hint={
          holdsMaskedSecret(probe.config)
            ? "As for a service of this type. A secret shown as ******** keeps the stored one."
            : "As for a service of this type (host, port, url…)."
        }
      >
        <Textarea
          value={probe.config}
          onChange={(e) => change("config", e.target.value)}
          rows={Math.min(10, Math.max(3, probe.config.split("\n").length))}
          spellCheck={false}
          readOnly={readOnly}
        />
      </ApiField>
      {readOnly ? null : (
        <div>
          <Button
            variant="outline"
            size="sm"
            onClick={() => form.update((old) => ({ ...old, probes: old.probes.filter((_, i) => i !== index) }), ["probes"])}
          >
            <Trash2 aria-hidden="true" />
            Remove probe {probe.name || index + 1}
          </Button>
        </div>
      )}
    </fieldset>
  );
}

function Editor({ view, id, editor, intervalS }: { view: AgentConfigView; id: string; editor: boolean; intervalS: number }) {
  const save = useSaveAgentConfig(id);
  const initial = useMemo(() => draftFromAgentConfig(view.config), [view]);
  const form = useApiForm({
    initial,
    toBody: toAgentConfigBody,
    shownPaths: SHOWN_PATHS,
    send: async (body) => {
      const saved = await save.mutateAsync(body);
      toast(
        "success",
        `Agent configuration saved (revision ${saved.revision})`,
        "Connected push agents get it now; others on their next contact.",
      );
    },
  });
  const [adding, setAdding] = useState<ProbeType>("ping");
  const d = form.draft;
  const readOnly = !editor;
  return (
    <form onSubmit={form.onSubmit} noValidate className="flex flex-col gap-4">
      <FormProblems form={form} />
      <p className="text-sm text-muted-foreground">
        Revision {view.revision}
        {view.delivered_revision >= view.revision
          ? ", taken by the agent."
          : `; the agent has taken ${view.delivered_revision || "none"} so far.`}{" "}
        Snapshots are reported every {formatDuration(intervalS)}, the instance's interval.
      </p>

      <section aria-labelledby="agent-probes-title" className="flex flex-col gap-3">
        <h3 id="agent-probes-title" className="text-sm font-semibold">
          Probes
        </h3>
        {form.errorFor("probes", true) ? (
          <p className="text-xs font-medium text-destructive-text">{form.errorFor("probes", true)}</p>
        ) : null}
        {d.probes.length === 0 ? (
          <p className="text-sm text-muted-foreground">
            No probes. {editor ? "Add one to check what this host can reach: a gateway, a database port, a route." : ""}
          </p>
        ) : (
          d.probes.map((probe, i) => <ProbeFields key={i} form={form} index={i} probe={probe} readOnly={readOnly} />)
        )}
        {editor ? (
          <div className="flex flex-wrap items-end gap-2">
            <div className="flex flex-col gap-1.5">
              <Label htmlFor={`agent-probe-type-${id}`}>New probe type</Label>
              <NativeSelect
                id={`agent-probe-type-${id}`}
                value={adding}
                onChange={(e) => setAdding(e.target.value as ProbeType)}
                className="w-48"
              >
                {PROBE_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {PROBE_TYPE_LABEL[t]}
                  </option>
                ))}
              </NativeSelect>
            </div>
            <Button
              variant="outline"
              onClick={() =>
                form.update(
                  (old) => ({
                    ...old,
                    probes: [
                      ...old.probes,
                      newProbe(
                        adding,
                        old.probes.map((p) => p.name),
                      ),
                    ],
                  }),
                  ["probes"],
                )
              }
            >
              <Plus aria-hidden="true" />
              Add probe
            </Button>
          </div>
        ) : null}
      </section>

      <section aria-labelledby="agent-plugins-title" className="flex flex-col gap-3">
        <h3 id="agent-plugins-title" className="text-sm font-semibold">
          Plugins
        </h3>
        <div className="grid gap-3 sm:grid-cols-2">
          <ApiField form={form} path="plugins.interval_s" label="Run each plugin every (seconds)" hint="1-86400">
            <Input
              inputMode="numeric"
              value={d.plugins_interval_s}
              onChange={(e) => form.set("plugins_interval_s", e.target.value, ["plugins.interval_s"])}
              readOnly={readOnly}
            />
          </ApiField>
          <ApiField form={form} path="plugins.timeout_s" label="Stop a plugin after (seconds)" hint="1-3600">
            <Input
              inputMode="numeric"
              value={d.plugins_timeout_s}
              onChange={(e) => form.set("plugins_timeout_s", e.target.value, ["plugins.timeout_s"])}
              readOnly={readOnly}
            />
          </ApiField>
        </div>
      </section>

      <section aria-labelledby="agent-buffer-title" className="flex flex-col gap-3">
        <h3 id="agent-buffer-title" className="text-sm font-semibold">
          Offline buffer
        </h3>
        <p className="text-xs text-muted-foreground">
          While the server is unreachable the agent keeps what it would send on disk; past these bounds it drops the oldest.
        </p>
        <div className="grid gap-3 sm:grid-cols-2">
          <ApiField form={form} path="buffer.max_bytes" label="Most disk space (MiB)" hint="1-65536">
            <Input
              inputMode="decimal"
              value={d.buffer_max_mib}
              onChange={(e) => form.set("buffer_max_mib", e.target.value, ["buffer.max_bytes"])}
              readOnly={readOnly}
            />
          </ApiField>
          <ApiField form={form} path="buffer.max_age_s" label="Oldest record kept (minutes)" hint="1-43200 (30 days)">
            <Input
              inputMode="decimal"
              value={d.buffer_max_age_min}
              onChange={(e) => form.set("buffer_max_age_min", e.target.value, ["buffer.max_age_s"])}
              readOnly={readOnly}
            />
          </ApiField>
        </div>
      </section>

      {editor ? (
        <div>
          <Button type="submit" disabled={form.busy}>
            {form.busy ? "Saving…" : "Save agent configuration"}
          </Button>
        </div>
      ) : null}
    </form>
  );
}

export function AgentConfigCard({ id, editor, intervalS }: { id: string; editor: boolean; intervalS: number }) {
  const config = useAgentConfig(id);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Agent configuration</CardTitle>
        <CardDescription>What the agent runs besides collecting metrics, and how much it keeps while offline.</CardDescription>
      </CardHeader>
      <CardContent>
        {config.isPending ? (
          <Skeleton className="h-40" />
        ) : config.isError ? (
          <p className="text-sm text-destructive-text">{config.error.message}</p>
        ) : (
          // A saved revision starts the form over from what the server stored.
          <Editor key={config.data.revision} view={config.data} id={id} editor={editor} intervalS={intervalS} />
        )}
      </CardContent>
    </Card>
  );
}
