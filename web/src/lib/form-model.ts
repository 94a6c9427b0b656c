/**
 * Small pieces every form model uses: text inputs to numbers, checks recorded under the
 * API's field paths, and name/value rows to a map.
 */
import type { Pair } from "./service-form";
import type { Problems } from "./use-api-form";
import type { Check } from "./validate";

/** Records the first reason `checks` give for `value` under `path`. */
export function checkInto(problems: Problems, path: string, value: string, ...checks: Check[]): void {
  for (const check of checks) {
    const problem = check(value);
    if (problem) {
      problems[path] = problem;
      return;
    }
  }
}

/** A whole number as typed (NaN when it is not one; a check says why). */
export function int(value: string): number {
  return /^\s*-?\d+\s*$/.test(value) ? Number(value.trim()) : Number.NaN;
}

/** Trimmed text, or undefined when empty. */
export function optional(value: string): string | undefined {
  return value.trim() ? value.trim() : undefined;
}

/** Rows to a map; a row without a name, or a name given twice, is a problem at `path`. */
export function pairMap(list: Pair[], path: string, problems: Problems): Record<string, string> {
  const out: Record<string, string> = {};
  list.forEach((pair, i) => {
    const key = pair.key.trim();
    if (!key && !pair.value.trim()) return;
    if (!key) problems[`${path}[${i}]`] = "needs a name";
    else if (key in out) problems[`${path}.${key}`] = "is given twice";
    else out[key] = pair.value;
  });
  return out;
}

/** A map to rows. */
export function pairsOf(map: Record<string, string> | null | undefined): Pair[] {
  return Object.entries(map ?? {}).map(([key, value]) => ({ key, value }));
}

/** The common name checks of every monitor. */
export function checkName(problems: Problems, name: string, required = true): void {
  const text = name.trim();
  if (!text) {
    if (required) problems["name"] = "is required";
  } else if (text.length > 200) problems["name"] = "must be at most 200 characters";
}
