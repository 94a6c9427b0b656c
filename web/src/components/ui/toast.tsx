/**
 * Toasts: short messages after an action, announced to screen readers through a polite
 * live region (errors through an assertive one). A tiny store, so any module can raise one.
 */
import { X } from "lucide-react";
import { useSyncExternalStore } from "react";
import { cn } from "@/lib/cn";

export type ToastKind = "success" | "error" | "info";

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  description?: string;
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function emit() {
  for (const listener of listeners) listener();
}

export function dismissToast(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

/** Shows a toast for a few seconds (errors stay longer). */
export function toast(kind: ToastKind, title: string, description?: string): number {
  const id = nextId++;
  toasts = [...toasts.slice(-4), { id, kind, title, ...(description ? { description } : {}) }];
  emit();
  setTimeout(() => dismissToast(id), kind === "error" ? 10_000 : 5000);
  return id;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function Toaster() {
  const items = useSyncExternalStore(subscribe, () => toasts);
  const polite = items.filter((t) => t.kind !== "error");
  const urgent = items.filter((t) => t.kind === "error");
  return (
    <div className="pointer-events-none fixed right-0 bottom-0 z-[60] flex w-full max-w-sm flex-col gap-2 p-4">
      <div role="status" aria-live="polite" className="flex flex-col gap-2">
        {polite.map((t) => (
          <ToastCard key={t.id} toast={t} />
        ))}
      </div>
      <div role="alert" aria-live="assertive" className="flex flex-col gap-2">
        {urgent.map((t) => (
          <ToastCard key={t.id} toast={t} />
        ))}
      </div>
    </div>
  );
}

function ToastCard({ toast: t }: { toast: Toast }) {
  return (
    <div
      className={cn(
        "pointer-events-auto flex items-start gap-3 rounded-md border bg-popover p-3 text-sm text-popover-foreground shadow-lg",
        t.kind === "error" && "border-down",
        t.kind === "success" && "border-up",
      )}
    >
      <div className="min-w-0 flex-1">
        <p className="font-medium">{t.title}</p>
        {t.description ? <p className="mt-0.5 text-muted-foreground break-words">{t.description}</p> : null}
      </div>
      <button
        type="button"
        className="rounded-sm p-0.5 text-muted-foreground hover:text-foreground"
        aria-label="Dismiss"
        onClick={() => dismissToast(t.id)}
      >
        <X className="size-4" aria-hidden="true" />
      </button>
    </div>
  );
}
