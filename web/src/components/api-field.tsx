/**
 * Inputs bound to an API field path of a {@link ApiForm}: the error shown is the server's
 * reason for that path (until the input changes) or the local one (once the input was left).
 */
import type { ReactElement, ReactNode } from "react";
import { FormError, FormField } from "@/components/form-field";
import { PairsEditor } from "@/components/service-form/pairs-editor";
import type { Pair } from "@/lib/service-form";
import type { ApiForm } from "@/lib/use-api-form";

export function ApiField<D>({
  form,
  path,
  label,
  hint,
  required,
  className,
  children,
}: {
  form: ApiForm<D>;
  path: string;
  label: ReactNode;
  hint?: ReactNode;
  required?: boolean;
  className?: string;
  children: ReactElement<{ id?: string }>;
}) {
  return (
    <div onBlur={() => form.touch(path)} className={className}>
      <FormField label={label} hint={hint} required={required ?? false} error={form.errorFor(path)}>
        {children}
      </FormField>
    </div>
  );
}

/** Name/value labels at the API path `labels`. */
export function LabelsField<D extends { labels: Pair[] }>({ form, id }: { form: ApiForm<D>; id: string }) {
  const error = form.errorFor("labels");
  return (
    <div onBlur={() => form.touch("labels")}>
      <PairsEditor
        id={id}
        label="Labels"
        pairs={form.draft.labels}
        onChange={(pairs) => form.set("labels", pairs as D["labels"])}
        keyPlaceholder="env"
        valuePlaceholder="production"
        addLabel="Add label"
        describedBy={error ? `${id}-error` : undefined}
        invalid={Boolean(error)}
      />
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-xs font-medium text-destructive-text">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The form's top: the general or unplaced reasons, or how many inputs need a look. */
export function FormProblems<D>({ form }: { form: ApiForm<D> }) {
  return (
    <>
      <FormError message={form.top} />
      {form.blocking > 0 ? (
        <FormError message={`Check the ${form.blocking === 1 ? "field" : `${form.blocking} fields`} marked below.`} />
      ) : null}
    </>
  );
}
