/**
 * The state of a form whose body goes to the API: the draft as typed, the local problems
 * (keyed by the API's field paths, shown once an input was left or the form submitted),
 * and the server's field errors from the envelope, each shown on its input until that
 * input changes. Anything no input shows goes to the form's top line, so no reason is lost.
 */
import { useMemo, useState, type FormEvent } from "react";
import { ApiError } from "@/api/envelope";
import { errorAt, formLevelError } from "./form-errors";

export type Problems = Record<string, string>;

function under(key: string, path: string): boolean {
  return key === path || key.startsWith(`${path}.`) || key.startsWith(`${path}[`);
}

export interface ApiForm<D> {
  draft: D;
  /** Changes one part of the draft; clears the server's errors under `paths` (default: `key`). */
  set: <K extends keyof D>(key: K, value: D[K], paths?: string[]) => void;
  /** Replaces the draft through `change`; clears the server's errors under `paths`. */
  update: (change: (old: D) => D, paths: string[]) => void;
  /**
   * The reason to show on the input at `path`, if any, with the reasons of the paths
   * inside it (`exact`: only its own).
   */
  errorFor: (path: string, exact?: boolean) => string | undefined;
  touch: (path: string) => void;
  /** The form's own submit handler. */
  onSubmit: (event: FormEvent) => void;
  busy: boolean;
  /** The form-level message (the server's general reason, or reasons no input shows). */
  top: string | null;
  /** How many local problems keep the form from being sent (after a submit). */
  blocking: number;
  /** Whether the last submit failed at the server. */
  failed: boolean;
}

export function useApiForm<D, B>({
  initial,
  toBody,
  shownPaths,
  send,
}: {
  initial: D;
  toBody: (draft: D) => { body: B; problems: Problems };
  /** Every path an input on the form shows. */
  shownPaths: readonly string[];
  /** Sends the body; rejects with an ApiError whose fields are shown on the inputs. */
  send: (body: B, draft: D) => Promise<void>;
}): ApiForm<D> {
  const [draft, setDraft] = useState(initial);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [serverFields, setServerFields] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { body, problems } = useMemo(() => toBody(draft), [draft, toBody]);

  const clearServer = (paths: string[]) =>
    setServerFields((old) => {
      const keys = Object.keys(old).filter((key) => paths.some((p) => under(key, p)));
      if (keys.length === 0) return old;
      const next = { ...old };
      for (const key of keys) delete next[key];
      return next;
    });

  const submit = async () => {
    setSubmitted(true);
    setFailure(null);
    if (Object.keys(problems).length > 0) {
      // Bring the first problem into view for keyboard and screen-reader users.
      requestAnimationFrame(() => document.querySelector<HTMLElement>("[aria-invalid='true']")?.focus());
      return;
    }
    setBusy(true);
    try {
      await send(body, draft);
    } catch (error) {
      setFailure(error);
      if (error instanceof ApiError) setServerFields(error.fields);
      requestAnimationFrame(() =>
        (
          document.querySelector<HTMLElement>("[aria-invalid='true']") ?? document.querySelector<HTMLElement>("[role='alert']")
        )?.focus(),
      );
    } finally {
      setBusy(false);
    }
  };

  return {
    draft,
    set: (key, value, paths) => {
      setDraft((old) => ({ ...old, [key]: value }));
      clearServer(paths ?? [String(key)]);
    },
    update: (change, paths) => {
      setDraft(change);
      clearServer(paths);
    },
    errorFor: (path, exact = false) => {
      const at = (fields: Record<string, string>) => (exact ? fields[path] : errorAt(fields, path));
      const server = at(serverFields);
      if (server) return capitalise(server);
      const relevant = submitted || [...touched].some((t) => under(path, t) || under(t, path));
      return relevant ? capitalise(at(problems)) : undefined;
    },
    touch: (path) =>
      setTouched((old) => {
        if (old.has(path)) return old;
        const next = new Set(old);
        next.add(path);
        return next;
      }),
    onSubmit: (event) => {
      event.preventDefault();
      void submit();
    },
    busy,
    top: formLevelError(failure, shownPaths),
    blocking: submitted && !failure ? Object.keys(problems).length : 0,
    failed: failure !== null,
  };
}

function capitalise(text: string | undefined): string | undefined {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
