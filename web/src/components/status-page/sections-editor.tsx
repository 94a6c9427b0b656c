/**
 * A page's sections and the components in each, in the order visitors see them: sections
 * are added, named, moved and removed; components are added from the component list,
 * moved within their section and removed, all with buttons (so by keyboard too). The
 * order sent is the order shown.
 */
import { ArrowDown, ArrowUp, Plus, Trash2, X } from "lucide-react";
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { kindLabel } from "@/lib/monitor-paths";
import {
  addComponent,
  addSection,
  componentsOnPage,
  moveComponent,
  moveSection,
  removeComponent,
  removeSection,
  renameSection,
  type PageDraft,
  type SectionDraft,
  type StatusComponent,
} from "@/lib/status-pages";
import type { DraftForm } from "@/lib/use-draft-form";
import { useComponentPicker, useComponentsByIds } from "@/queries/status-pages";
import { ComponentDialog } from "./component-dialog";

type Lookup = Map<string, { data?: StatusComponent; missing: boolean }>;

function capitalise(text: string | undefined): string | undefined {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** Puts focus on the element with `id` once React has drawn the change, or on `fallback`. */
function focusSoon(id: string, fallback?: string) {
  requestAnimationFrame(() => {
    const el = document.getElementById(id) as HTMLButtonElement | null;
    if (el && !el.disabled) el.focus();
    else if (fallback) document.getElementById(fallback)?.focus();
  });
}

function sectionLabel(section: SectionDraft, index: number): string {
  return section.name.trim() || `Section ${index + 1}`;
}

function ComponentPicker({
  onPick,
  onClose,
  onPage,
  sectionName,
}: {
  onPick: (component: StatusComponent) => void;
  onClose: () => void;
  onPage: Set<string>;
  sectionName: string;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const [adding, setAdding] = useState(false);
  const picker = useComponentPicker(true);
  const all = picker.data?.pages.flatMap((p) => p.items) ?? [];
  const total = picker.data?.pages[0]?.total ?? 0;
  const needle = text.trim().toLowerCase();
  const options = all.filter(
    (c) =>
      !onPage.has(c.id) &&
      (!needle || c.display_name.toLowerCase().includes(needle) || (c.target_name ?? "").toLowerCase().includes(needle)),
  );
  return (
    <div className="flex flex-col gap-2 rounded-md border bg-muted/40 p-3">
      <div className="flex items-center justify-between gap-2">
        <Label htmlFor={`${id}-filter`}>Add a component to {sectionName}</Label>
        <Button variant="ghost" size="icon" className="size-7" aria-label="Close the component list" onClick={onClose}>
          <X aria-hidden="true" />
        </Button>
      </div>
      <Input
        id={`${id}-filter`}
        type="search"
        placeholder="Filter by name"
        value={text}
        autoFocus
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            onClose();
          }
        }}
      />
      {picker.isPending ? (
        <p className="text-xs text-muted-foreground">Loading components…</p>
      ) : picker.isError ? (
        <p className="text-xs text-destructive-text">Could not load the components: {picker.error.message}</p>
      ) : (
        <ul className="flex max-h-60 flex-col overflow-y-auto rounded-md border bg-background" aria-label="Components to add">
          {options.map((c) => (
            <li key={c.id} className="border-b last:border-0">
              <button
                type="button"
                className="flex w-full items-baseline gap-2 px-3 py-1.5 text-left text-sm hover:bg-accent"
                onClick={() => onPick(c)}
              >
                <span className="min-w-0 flex-1 truncate">
                  <span className="sr-only">Add </span>
                  {c.display_name}
                </span>
                <span className="truncate text-xs text-muted-foreground">
                  {kindLabel(c.target_type)}
                  {c.target_name ? ` · ${c.target_name}` : ""}
                </span>
              </button>
            </li>
          ))}
          {options.length === 0 ? (
            <li className="px-3 py-1.5 text-xs text-muted-foreground">
              {total === 0
                ? "No components yet: add one below."
                : needle
                  ? `No component matches “${text.trim()}”${picker.hasNextPage ? " among those loaded" : ""}.`
                  : "Every component is on this page already."}
            </li>
          ) : null}
        </ul>
      )}
      <div className="flex flex-wrap items-center gap-2">
        {picker.hasNextPage ? (
          <Button variant="outline" size="sm" disabled={picker.isFetchingNextPage} onClick={() => void picker.fetchNextPage()}>
            {picker.isFetchingNextPage ? "Loading…" : `Show more (${all.length} of ${total} loaded)`}
          </Button>
        ) : null}
        <Button variant="outline" size="sm" onClick={() => setAdding(true)}>
          <Plus aria-hidden="true" />
          New component
        </Button>
      </div>
      {adding ? <ComponentDialog component={null} onClose={() => setAdding(false)} onSaved={onPick} /> : null}
    </div>
  );
}

function ComponentRow({
  form,
  sectionIndex,
  position,
  count,
  id,
  lookup,
}: {
  form: DraftForm<PageDraft>;
  sectionIndex: number;
  position: number;
  count: number;
  id: string;
  lookup: Lookup;
}) {
  const found = lookup.get(id);
  const component = found?.data;
  const name = component?.display_name ?? (found?.missing ? "A deleted component" : "Loading…");
  const error = capitalise(form.errorFor(`sections[${sectionIndex}].components[${position}].component_id`));
  const errorId = `component-${id}-error`;
  const move = (by: number) => {
    form.update((old) => ({ ...old, sections: moveComponent(old.sections, sectionIndex, position, by) }), ["sections"]);
    focusSoon(`move-${id}-${by < 0 ? "up" : "down"}`, `move-${id}-${by < 0 ? "down" : "up"}`);
  };
  return (
    <li className="flex flex-col gap-1 py-1.5" aria-describedby={error ? errorId : undefined}>
      <div className="flex items-center gap-2">
        <span className="w-6 text-right text-xs text-muted-foreground tabular-nums" aria-hidden="true">
          {position + 1}.
        </span>
        <span className="flex min-w-0 flex-1 flex-col">
          <span className="truncate text-sm font-medium">{name}</span>
          {component ? (
            <span className="truncate text-xs text-muted-foreground">
              {kindLabel(component.target_type)}
              {component.target_name ? ` · ${component.target_name}` : ""}
            </span>
          ) : null}
        </span>
        <Button
          id={`move-${id}-up`}
          variant="ghost"
          size="icon"
          className="size-8"
          aria-label={`Move ${name} up`}
          disabled={position === 0}
          onClick={() => move(-1)}
        >
          <ArrowUp aria-hidden="true" />
        </Button>
        <Button
          id={`move-${id}-down`}
          variant="ghost"
          size="icon"
          className="size-8"
          aria-label={`Move ${name} down`}
          disabled={position === count - 1}
          onClick={() => move(1)}
        >
          <ArrowDown aria-hidden="true" />
        </Button>
        <Button
          variant="ghost"
          size="icon"
          className="size-8"
          aria-label={`Remove ${name} from the page`}
          onClick={() => {
            form.update((old) => ({ ...old, sections: removeComponent(old.sections, sectionIndex, position) }), ["sections"]);
            focusSoon(`add-to-${form.draft.sections[sectionIndex]?.key}`);
          }}
        >
          <X aria-hidden="true" />
        </Button>
      </div>
      {error ? (
        <p id={errorId} className="pl-8 text-xs font-medium text-destructive-text">
          {error}
        </p>
      ) : null}
    </li>
  );
}

function SectionEditor({
  form,
  index,
  lookup,
  onPage,
}: {
  form: DraftForm<PageDraft>;
  index: number;
  lookup: Lookup;
  onPage: Set<string>;
}) {
  const section = form.draft.sections[index]!;
  const count = form.draft.sections.length;
  const [picking, setPicking] = useState(false);
  const label = sectionLabel(section, index);
  const nameError = capitalise(form.errorFor(`sections[${index}].name`));
  const move = (by: number) => {
    form.update((old) => ({ ...old, sections: moveSection(old.sections, index, by) }), ["sections"]);
    const dir = by < 0 ? "up" : "down";
    focusSoon(`section-${section.key}-${dir}`, `section-${section.key}-${by < 0 ? "down" : "up"}`);
  };
  return (
    <li className="flex flex-col gap-2 rounded-lg border p-3" aria-label={label}>
      <div className="flex flex-wrap items-end gap-2">
        <div className="flex min-w-48 flex-1 flex-col gap-1.5">
          <Label htmlFor={`section-${section.key}-name`}>Name of section {index + 1}</Label>
          <Input
            id={`section-${section.key}-name`}
            value={section.name}
            maxLength={200}
            placeholder="No heading"
            aria-invalid={nameError ? true : undefined}
            aria-describedby={
              nameError
                ? `section-${section.key}-name-error`
                : section.name.trim()
                  ? undefined
                  : `section-${section.key}-name-hint`
            }
            onChange={(e) =>
              form.update(
                (old) => ({ ...old, sections: renameSection(old.sections, index, e.target.value) }),
                [`sections[${index}].name`],
              )
            }
          />
        </div>
        <div className="flex items-center gap-1">
          <Button
            id={`section-${section.key}-up`}
            variant="outline"
            size="icon"
            className="size-9"
            aria-label={`Move section ${label} up`}
            disabled={index === 0}
            onClick={() => move(-1)}
          >
            <ArrowUp aria-hidden="true" />
          </Button>
          <Button
            id={`section-${section.key}-down`}
            variant="outline"
            size="icon"
            className="size-9"
            aria-label={`Move section ${label} down`}
            disabled={index === count - 1}
            onClick={() => move(1)}
          >
            <ArrowDown aria-hidden="true" />
          </Button>
          <Button
            variant="outline"
            size="icon"
            className="size-9"
            aria-label={`Remove section ${label}`}
            onClick={() => {
              form.update((old) => ({ ...old, sections: removeSection(old.sections, index) }), ["sections"]);
              focusSoon("add-section");
            }}
          >
            <Trash2 aria-hidden="true" />
          </Button>
        </div>
      </div>
      {nameError ? (
        <p id={`section-${section.key}-name-error`} className="text-xs font-medium text-destructive-text">
          {nameError}
        </p>
      ) : !section.name.trim() ? (
        <p id={`section-${section.key}-name-hint`} className="text-xs text-muted-foreground">
          Without a name its components are shown without a heading.
        </p>
      ) : null}
      {section.components.length ? (
        <ol className="flex flex-col divide-y" aria-label={`Components in ${label}`}>
          {section.components.map((id, position) => (
            <ComponentRow
              key={id}
              form={form}
              sectionIndex={index}
              position={position}
              count={section.components.length}
              id={id}
              lookup={lookup}
            />
          ))}
        </ol>
      ) : (
        <p className="text-sm text-muted-foreground">No components in this section yet.</p>
      )}
      {picking ? (
        <ComponentPicker
          sectionName={label}
          onPage={onPage}
          onClose={() => {
            setPicking(false);
            focusSoon(`add-to-${section.key}`);
          }}
          onPick={(component) => {
            form.update((old) => ({ ...old, sections: addComponent(old.sections, index, component.id) }), ["sections"]);
          }}
        />
      ) : (
        <div>
          <Button id={`add-to-${section.key}`} variant="outline" size="sm" onClick={() => setPicking(true)}>
            <Plus aria-hidden="true" />
            Add component
            <span className="sr-only"> to {label}</span>
          </Button>
        </div>
      )}
    </li>
  );
}

export function SectionsEditor({ form }: { form: DraftForm<PageDraft> }) {
  const sections = form.draft.sections;
  const onPage = componentsOnPage(sections);
  const lookup = useComponentsByIds([...onPage]);
  const ownError = (() => {
    const error = form.errorFor("sections");
    // Reasons inside a section are shown on their rows; this line keeps the page's own.
    return error && !/^entry|^\[/.test(error) ? capitalise(error.split(";")[0]) : undefined;
  })();
  return (
    <div className="flex flex-col gap-3">
      {sections.length ? (
        <ol className="flex flex-col gap-3" aria-label="Sections">
          {sections.map((s, i) => (
            <SectionEditor key={s.key} form={form} index={i} lookup={lookup} onPage={onPage} />
          ))}
        </ol>
      ) : (
        <p className="text-sm text-muted-foreground">
          No sections: the page shows no components. Add a section, then the components to show in it.
        </p>
      )}
      {ownError ? <p className="text-xs font-medium text-destructive-text">{ownError}</p> : null}
      <div className="flex flex-wrap items-center gap-2">
        <Button
          id="add-section"
          variant="outline"
          size="sm"
          onClick={() => {
            form.update((old) => ({ ...old, sections: addSection(old.sections) }), ["sections"]);
          }}
        >
          <Plus aria-hidden="true" />
          Add section
        </Button>
        <p className="text-xs text-muted-foreground">Each component may appear once on a page.</p>
      </div>
    </div>
  );
}
