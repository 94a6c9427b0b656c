/**
 * The target selector that alert rules and maintenance windows share: monitors of a kind,
 * optionally only some ids, one group, and all of some labels.
 */
import type { components } from "@/api/schema";
import type { Pair } from "./service-form";

export type Selector = components["schemas"]["Selector"];
export type TargetKind = components["schemas"]["TargetKind"];

export const TARGET_KINDS: readonly { value: TargetKind; label: string; plural: string }[] = [
  { value: "any", label: "Any monitor", plural: "monitors" },
  { value: "service", label: "Services", plural: "services" },
  { value: "domain", label: "Domains", plural: "domains" },
  { value: "instance", label: "Instances", plural: "instances" },
];

export interface SelectorDraft {
  kind: TargetKind;
  ids: string[];
  group: string;
  labels: Pair[];
}

export function emptySelector(): SelectorDraft {
  return { kind: "any", ids: [], group: "", labels: [] };
}

export function selectorDraft(selector: Selector | null | undefined): SelectorDraft {
  if (!selector) return emptySelector();
  return {
    kind: selector.kind,
    ids: selector.ids ?? [],
    group: selector.group ?? "",
    labels: Object.entries(selector.labels ?? {}).map(([key, value]) => ({ key, value })),
  };
}

/** The selector for the API; problems are keyed under `field` (`targets.labels`). */
export function toSelector(draft: SelectorDraft, field: string, problems: Record<string, string>): Selector {
  const labels: Record<string, string> = {};
  draft.labels.forEach((pair, i) => {
    const key = pair.key.trim();
    if (!key && !pair.value.trim()) return;
    if (!key) problems[`${field}.labels[${i}]`] = "needs a name";
    else if (key in labels) problems[`${field}.labels.${key}`] = "is given twice";
    else labels[key] = pair.value.trim();
  });
  return {
    kind: draft.kind,
    ...(draft.ids.length ? { ids: draft.ids } : {}),
    ...(draft.group.trim() ? { group: draft.group.trim() } : {}),
    ...(Object.keys(labels).length ? { labels } : {}),
  };
}

/** "Every service in group web with env=prod", "3 chosen domains", "Every monitor". */
export function describeSelector(selector: Selector | null | undefined): string {
  const s = selector ?? { kind: "any" as const };
  const plural = TARGET_KINDS.find((k) => k.value === s.kind)?.plural ?? "monitors";
  const ids = s.ids?.length ?? 0;
  let out = ids ? `${ids} chosen ${ids === 1 ? plural.replace(/s$/, "") : plural}` : `Every ${plural.replace(/s$/, "")}`;
  if (s.group) out += ` in group ${s.group}`;
  const labels = Object.entries(s.labels ?? {});
  if (labels.length) out += ` with ${labels.map(([k, v]) => `${k}=${v}`).join(", ")}`;
  return out;
}
