/**
 * Chooses the one monitor a component publishes: found by name on the server (its list's
 * `q`, one short page at a time), never by loading every monitor.
 */
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { formatCount } from "@/lib/format";
import { kindLabel } from "@/lib/monitor-paths";
import { useDebounced } from "@/lib/use-debounced";
import { useMonitorSearch } from "@/queries/monitor-search";
import type { MonitorKind } from "@/queries/monitors";

const PLURAL: Record<MonitorKind, string> = { service: "services", domain: "domains", instance: "instances" };

export function MonitorChooser({
  kind,
  value,
  name,
  onChange,
  error,
  disabled,
}: {
  kind: MonitorKind;
  /** The chosen monitor's id ("" for none). */
  value: string;
  /** Its name, when known. */
  name: string | undefined;
  onChange: (id: string, name: string | undefined) => void;
  error?: string | undefined;
  disabled?: boolean;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 250);
  const found = useMonitorSearch(kind, q, 8);
  const plural = PLURAL[kind];
  const errorId = error ? `${id}-error` : undefined;

  if (value) {
    return (
      <div className="flex flex-col gap-1.5">
        <span className="text-sm font-medium">{kindLabel(kind)}</span>
        <div className="flex flex-wrap items-center gap-2 rounded-md border px-3 py-1.5">
          <span className="min-w-0 flex-1 truncate text-sm font-medium">{name ?? "Loading…"}</span>
          <Button variant="ghost" size="sm" disabled={disabled} onClick={() => onChange("", undefined)}>
            Change {kindLabel(kind).toLowerCase()}
          </Button>
        </div>
        {error ? (
          <p id={errorId} className="text-xs font-medium text-destructive-text">
            {error}
          </p>
        ) : null}
      </div>
    );
  }

  const items = found.data?.items ?? [];
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={`${id}-search`}>
        {kindLabel(kind)}
        <span className="text-muted-foreground" aria-hidden="true">
          {" "}
          *
        </span>
      </Label>
      <Input
        id={`${id}-search`}
        type="search"
        placeholder={`Find ${plural} by name`}
        value={text}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={[errorId, `${id}-hint`].filter(Boolean).join(" ")}
        aria-controls={`${id}-results`}
        onChange={(e) => setText(e.target.value)}
      />
      {error ? (
        <p id={errorId} className="text-xs font-medium text-destructive-text">
          {error}
        </p>
      ) : null}
      <ul
        id={`${id}-results`}
        className="flex max-h-56 flex-col overflow-y-auto rounded-md border"
        aria-label={`Matching ${plural}`}
      >
        {items.map((m) => (
          <li key={m.id} className="border-b last:border-0">
            <button
              type="button"
              className="flex w-full items-baseline gap-2 px-3 py-1.5 text-left text-sm hover:bg-accent"
              disabled={disabled}
              onClick={() => onChange(m.id, m.name)}
            >
              <span className="min-w-0 flex-1 truncate">{m.name}</span>
              {m.group ? <span className="truncate text-xs text-muted-foreground">{m.group}</span> : null}
            </button>
          </li>
        ))}
        {items.length === 0 ? (
          <li className="px-3 py-1.5 text-xs text-muted-foreground">
            {found.isPending || found.isFetching
              ? "Searching…"
              : found.isError
                ? `Could not search: ${found.error.message}`
                : q
                  ? `No ${plural} match “${q}”.`
                  : `No ${plural} yet.`}
          </li>
        ) : null}
      </ul>
      <p id={`${id}-hint`} className="text-xs text-muted-foreground" aria-live="polite">
        {found.data && found.data.total > items.length
          ? `The first ${items.length} of ${formatCount(found.data.total)}; type to narrow them down.`
          : "Choose one; visitors see the component's name, never the monitor's."}
      </p>
    </div>
  );
}
