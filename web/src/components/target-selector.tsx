/**
 * Which monitors a rule or maintenance window applies to: a kind, optionally some chosen
 * monitors (found by name on the server, one short page at a time), a group and labels.
 */
import { X } from "lucide-react";
import { useId, useState } from "react";
import { PairsEditor } from "@/components/service-form/pairs-editor";
import { Button } from "@/components/ui/button";
import { Input, NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useDebounced } from "@/lib/use-debounced";
import { TARGET_KINDS, type SelectorDraft, type TargetKind } from "@/lib/selector";
import type { DraftForm } from "@/lib/use-draft-form";
import { useMonitorNames, useMonitorSearch } from "@/queries/monitor-search";
import { FieldsetError, PathField } from "./path-field";

type Kind = Exclude<TargetKind, "any">;

function MonitorPicker({
  kind,
  ids,
  onChange,
  disabled,
}: {
  kind: Kind;
  ids: string[];
  onChange: (ids: string[]) => void;
  disabled?: boolean;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 250);
  const found = useMonitorSearch(kind, q);
  const names = useMonitorNames(kind, ids);
  const plural = TARGET_KINDS.find((k) => k.value === kind)!.plural;
  const options = (found.data?.items ?? []).filter((m) => !ids.includes(m.id));
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={`${id}-search`}>Only these {plural}</Label>
      {ids.length ? (
        <ul className="flex flex-wrap gap-1.5" aria-label={`Chosen ${plural}`}>
          {ids.map((chosen) => (
            <li key={chosen} className="flex items-center gap-1 rounded-full border bg-muted py-0.5 pr-0.5 pl-2.5 text-xs">
              {names.get(chosen) ?? chosen.slice(0, 8)}
              <Button
                variant="ghost"
                size="icon"
                className="size-6 rounded-full"
                aria-label={`Remove ${names.get(chosen) ?? chosen}`}
                disabled={disabled}
                onClick={() => onChange(ids.filter((i) => i !== chosen))}
              >
                <X aria-hidden="true" />
              </Button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-xs text-muted-foreground">None chosen: every {plural.replace(/s$/, "")} that matches the rest.</p>
      )}
      <Input
        id={`${id}-search`}
        type="search"
        placeholder={`Find ${plural} by name`}
        value={text}
        disabled={disabled}
        onChange={(e) => setText(e.target.value)}
      />
      {options.length ? (
        <ul className="flex flex-col rounded-md border" aria-label={`Matching ${plural}`}>
          {options.map((m) => (
            <li key={m.id} className="border-b last:border-0">
              <button
                type="button"
                className="w-full px-3 py-1.5 text-left text-sm hover:bg-accent"
                disabled={disabled}
                onClick={() => onChange([...ids, m.id])}
              >
                Add {m.name}
              </button>
            </li>
          ))}
        </ul>
      ) : found.isFetching ? (
        <p className="text-xs text-muted-foreground">Searching…</p>
      ) : q ? (
        <p className="text-xs text-muted-foreground">
          No {plural} match “{q}”.
        </p>
      ) : null}
    </div>
  );
}

export function TargetSelector<D>({
  form,
  value,
  onChange,
  path = "targets",
  disabled,
}: {
  form: DraftForm<D>;
  value: SelectorDraft;
  onChange: (next: SelectorDraft, paths: string[]) => void;
  path?: string;
  disabled?: boolean;
}) {
  const labelsError = form.errorFor(`${path}.labels`);
  return (
    <div className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <PathField form={form} path={`${path}.kind`} label="Kind of monitor">
          <NativeSelect
            value={value.kind}
            disabled={disabled}
            onChange={(e) => onChange({ ...value, kind: e.target.value as TargetKind, ids: [] }, [`${path}.kind`, `${path}.ids`])}
          >
            {TARGET_KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </NativeSelect>
        </PathField>
        <PathField form={form} path={`${path}.group`} label="Group" hint="Empty: every group.">
          <Input
            value={value.group}
            disabled={disabled}
            onChange={(e) => onChange({ ...value, group: e.target.value }, [`${path}.group`])}
          />
        </PathField>
      </div>
      {value.kind !== "any" ? (
        <MonitorPicker
          kind={value.kind}
          ids={value.ids}
          disabled={disabled}
          onChange={(ids) => onChange({ ...value, ids }, [`${path}.ids`])}
        />
      ) : value.ids.length ? (
        <p className="text-sm text-muted-foreground">
          Only {value.ids.length} chosen monitors.{" "}
          <Button variant="link" className="h-auto p-0" onClick={() => onChange({ ...value, ids: [] }, [`${path}.ids`])}>
            Clear the choice
          </Button>
        </p>
      ) : null}
      <FieldsetError form={form} path={`${path}.ids`} id={`${path}-ids-error`} />
      <div onBlur={() => form.touch(`${path}.labels`)}>
        <PairsEditor
          id={`${path}-labels`}
          label="Labels (all must match)"
          pairs={value.labels}
          onChange={(labels) => onChange({ ...value, labels }, [`${path}.labels`])}
          keyPlaceholder="env"
          valuePlaceholder="production"
          addLabel="Add label"
          describedBy={labelsError ? `${path}-labels-error` : undefined}
          invalid={Boolean(labelsError)}
        />
        <FieldsetError form={form} path={`${path}.labels`} id={`${path}-labels-error`} />
      </div>
    </div>
  );
}
