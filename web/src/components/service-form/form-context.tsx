/**
 * What the service form's sections share: the draft, the setters, and `errorFor(path)`,
 * which shows the server's reason for a path until that input changes, and the local
 * reason once the input was left or the form submitted.
 */
import { createContext, useContext, type ReactElement, type ReactNode } from "react";
import { FormField } from "@/components/form-field";
import type { ServiceDraft } from "@/lib/service-form";

export interface ServiceFormApi {
  draft: ServiceDraft;
  set: <K extends keyof ServiceDraft>(key: K, value: ServiceDraft[K]) => void;
  setCheck: <T extends Exclude<keyof ServiceDraft, "type">, F extends keyof ServiceDraft[T]>(
    type: T,
    field: F,
    value: ServiceDraft[T][F],
  ) => void;
  errorFor: (path: string) => string | undefined;
  touch: (path: string) => void;
  /** Whether the service exists already (secrets may be masked). */
  editing: boolean;
}

export const ServiceFormContext = createContext<ServiceFormApi | null>(null);

export function useServiceForm(): ServiceFormApi {
  const api = useContext(ServiceFormContext);
  if (!api) throw new Error("useServiceForm outside the service form");
  return api;
}

function capitalise(text: string | undefined): string | undefined {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** A form field bound to an API path: its error comes from `errorFor(path)`. */
export function Field({
  path,
  label,
  hint,
  required,
  className,
  children,
}: {
  path: string;
  label: ReactNode;
  hint?: ReactNode;
  required?: boolean;
  className?: string;
  children: ReactElement<{ id?: string }>;
}) {
  const form = useServiceForm();
  return (
    <div onBlur={() => form.touch(path)} className={className}>
      <FormField label={label} hint={hint} required={required ?? false} error={capitalise(form.errorFor(path))}>
        {children}
      </FormField>
    </div>
  );
}
