/**
 * Placing the server's field errors on a form. The server names fields by path
 * (`config.url`, `config.expected_status[1]`, `config.headers.X-Token`); a form input
 * stands for one path and also takes the errors of anything inside it.
 */
import { ApiError } from "@/api/envelope";

/** `[1]` -> "entry 2", `.X-Token` -> "X-Token". */
function describeInner(rest: string): string {
  if (rest.startsWith("[")) {
    const index = Number(rest.slice(1, rest.indexOf("]")));
    const after = rest.slice(rest.indexOf("]") + 1).replace(/^\./, "");
    return `entry ${index + 1}${after ? ` ${after}` : ""}`;
  }
  return rest.slice(1);
}

/** The reasons of `fields` that belong to the input at `path`, joined. */
export function errorAt(fields: Record<string, string>, path: string): string | undefined {
  const reasons: string[] = [];
  for (const [key, reason] of Object.entries(fields)) {
    if (key === path) reasons.unshift(reason);
    else if (key.startsWith(`${path}.`) || key.startsWith(`${path}[`))
      reasons.push(`${describeInner(key.slice(path.length))}: ${reason}`);
  }
  return reasons.length ? reasons.join("; ") : undefined;
}

/**
 * The form-level message for `error`: the general reason (`_`), the reasons no input on
 * the form shows (so none is lost), or the error's own message when it names no field.
 */
export function formLevelError(error: unknown, shownPaths: readonly string[]): string | null {
  if (!error) return null;
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : "Something went wrong.";
  const fields = error.fields;
  const keys = Object.keys(fields);
  if (keys.length === 0) return error.summary;
  const lines: string[] = [];
  if (fields["_"]) lines.push(fields["_"]);
  for (const key of keys) {
    if (key === "_") continue;
    const shown = shownPaths.some((p) => key === p || key.startsWith(`${p}.`) || key.startsWith(`${p}[`));
    if (!shown) lines.push(`${key} ${fields[key]}`);
  }
  return lines.length ? lines.join(". ") : null;
}
