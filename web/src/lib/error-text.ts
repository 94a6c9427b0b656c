/**
 * One sentence for an error that no form input shows: a refused delete or action. The
 * server names the field it objects to (`id`, `role`, `_`); here that becomes the subject.
 */
import { ApiError } from "@/api/envelope";

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "This channel is used by the alert rules A, B; remove it from them first." */
export function errorText(error: unknown, subject = "It"): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : "Something went wrong.";
  const entries = Object.entries(error.fields);
  if (entries.length === 0) return error.summary;
  return entries
    .map(([key, reason]) => {
      if (key === "_") return capitalise(reason);
      if (key === "id") return `${subject} ${reason}`;
      // "the last active administrator cannot be demoted" says its subject already.
      if (/^(the|a|an|e-mail) /i.test(reason)) return capitalise(reason);
      return `${capitalise(key.replace(/_/g, " "))} ${reason}`;
    })
    .map((line) => (/[.!?]$/.test(line) ? line : `${line}.`))
    .join(" ");
}
