/**
 * Inputs bound to a draft form by API path: the field shows the server's reason for its
 * path, or the local one once left; the top of the form lists what no input shows.
 */
import type { ReactElement, ReactNode } from "react";
import { FormError, FormField } from "@/components/form-field";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import type { DraftForm } from "@/lib/use-draft-form";

function capitalise(text: string | undefined): string | undefined {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

export function PathField<D>({
  form,
  path,
  label,
  hint,
  required,
  className,
  children,
}: {
  form: DraftForm<D>;
  path: string;
  label: ReactNode;
  hint?: ReactNode;
  required?: boolean;
  className?: string;
  children: ReactElement<{ id?: string }>;
}) {
  return (
    <div onBlur={() => form.touch(path)} className={className}>
      <FormField label={label} hint={hint} required={required ?? false} error={capitalise(form.errorFor(path))}>
        {children}
      </FormField>
    </div>
  );
}

/** A switch with its label and hint. */
export function SwitchField({
  id,
  label,
  hint,
  checked,
  onChange,
  disabled,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
}) {
  return (
    <div className="flex items-start gap-3">
      <Switch
        id={id}
        checked={checked}
        onCheckedChange={onChange}
        disabled={disabled}
        aria-describedby={hint ? `${id}-hint` : undefined}
      />
      <div className="flex flex-col gap-0.5">
        <Label htmlFor={id}>{label}</Label>
        {hint ? (
          <p id={`${id}-hint`} className="text-xs text-muted-foreground">
            {hint}
          </p>
        ) : null}
      </div>
    </div>
  );
}

/** The form's top line: the server's general reason, or how many inputs need a look. */
export function FormTop<D>({ form, shownPaths }: { form: DraftForm<D>; shownPaths: readonly string[] }) {
  const top = form.topError(shownPaths);
  return (
    <>
      <FormError message={top} />
      {form.blocking > 0 ? (
        <FormError message={`Check the ${form.blocking === 1 ? "field" : `${form.blocking} fields`} marked below.`} />
      ) : null}
    </>
  );
}

/** A group of inputs whose error (`path`) is shown under it. */
export function FieldsetError<D>({ form, path, id }: { form: DraftForm<D>; path: string; id: string }) {
  const error = capitalise(form.errorFor(path));
  if (!error) return null;
  return (
    <p id={id} className="text-xs font-medium text-destructive-text">
      {error}
    </p>
  );
}

export function SectionNote({ children }: { children: ReactNode }) {
  return <p className="text-xs text-muted-foreground">{children}</p>;
}
