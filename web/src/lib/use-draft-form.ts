/**
 * The state of a form over a draft, as the service form keeps it, for the forms whose
 * inputs are simple enough not to need their own context: the draft, the problems found
 * as the user types (shown once an input was left or the form submitted), and the
 * server's field errors, each shown on its input until that input changes.
 */
import { useMemo, useState, type FormEvent } from "react";
import { ApiError } from "@/api/envelope";
import { errorAt, formLevelError } from "./form-errors";

export type Problems = Record<string, string>;

export interface DraftForm<D> {
  draft: D;
  /** Changes the draft; the server's errors on `paths` (and inside them) are cleared. */
  update: (change: (old: D) => D, paths: string[]) => void;
  /** The reason to show for the input at `path`, if any. */
  errorFor: (path: string) => string | undefined;
  touch: (path: string) => void;
  busy: boolean;
  /** The message for the top of the form: the general reason and any no input shows. */
  topError: (shownPaths: readonly string[]) => string | null;
  /** How many local problems block sending, once the user tried. */
  blocking: number;
  onSubmit: (event: FormEvent) => Promise<void>;
}

function focusFirstProblem() {
  requestAnimationFrame(() =>
    (
      document.querySelector<HTMLElement>("form [aria-invalid='true']") ??
      document.querySelector<HTMLElement>("form [role='alert']")
    )?.focus(),
  );
}

export function useDraftForm<D, B>(
  initial: D,
  toBody: (draft: D) => { body: B; problems: Problems },
  send: (body: B, draft: D) => Promise<void>,
): DraftForm<D> {
  const [draft, setDraft] = useState(initial);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [serverFields, setServerFields] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { body, problems } = useMemo(() => toBody(draft), [draft, toBody]);

  const update = (change: (old: D) => D, paths: string[]) => {
    setDraft(change);
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
  };

  const errorFor = (path: string) => {
    const server = errorAt(serverFields, path);
    if (server) return server;
    const relevant = submitted || [...touched].some((t) => t === path || path.startsWith(`${t}.`) || t.startsWith(`${path}.`));
    return relevant ? errorAt(problems, path) : undefined;
  };

  const touch = (path: string) =>
    setTouched((old) => {
      if (old.has(path)) return old;
      const next = new Set(old);
      next.add(path);
      return next;
    });

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setFailure(null);
    if (Object.keys(problems).length > 0) {
      focusFirstProblem();
      return;
    }
    setBusy(true);
    try {
      await send(body, draft);
    } catch (error) {
      setFailure(error);
      if (error instanceof ApiError) setServerFields(error.fields);
      focusFirstProblem();
    } finally {
      setBusy(false);
    }
  };

  return {
    draft,
    update,
    errorFor,
    touch,
    busy,
    topError: (shown) => formLevelError(failure, shown),
    blocking: submitted && !failure ? Object.keys(problems).length : 0,
    onSubmit,
  };
}
