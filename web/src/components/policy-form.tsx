/**
 * Create or edit an escalation policy: steps that go out at a delay after the alert fired
 * while nobody has acknowledged it, each to channels and users, run again `repeat` times.
 */
import { Plus, Trash2 } from "lucide-react";
import { Link } from "react-router";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { emptyStep, MAX_STEPS, toPolicyBody, type PolicyBody, type PolicyDraft, type StepDraft } from "@/lib/policy-form";
import { useDraftForm, type DraftForm } from "@/lib/use-draft-form";
import { useUsers } from "@/queries/users";
import { useUser } from "@/session/use-session";
import { ChannelPicker } from "./channel-picker";
import { FieldsetError, FormTop, PathField } from "./path-field";

/** Users to e-mail: administrators pick from the user list; others see how many are set. */
function UserPicker({ id, value, onChange }: { id: string; value: string[]; onChange: (ids: string[]) => void }) {
  const me = useUser();
  const admin = me.role === "admin";
  const users = useUsers({ page: 1, per_page: 500, status: "active", sort: "username" }, admin);
  if (!admin) {
    return (
      <p className="text-sm text-muted-foreground">
        {value.length ? `E-mails ${value.length} ${value.length === 1 ? "user" : "users"}. ` : ""}
        Only administrators choose users to e-mail.
      </p>
    );
  }
  const toggle = (user: string, on: boolean) => onChange(on ? [...value, user] : value.filter((v) => v !== user));
  return (
    <fieldset id={id} className="flex flex-col gap-2">
      <legend className="mb-1.5 text-sm font-medium">Users to e-mail</legend>
      {users.isError ? (
        <p className="text-sm text-destructive-text">Could not load the users: {users.error.message}</p>
      ) : (
        <ul className="grid max-h-48 gap-1.5 overflow-y-auto sm:grid-cols-2">
          {(users.data?.items ?? []).map((u) => (
            <li key={u.id}>
              <label className="flex items-center gap-2 rounded-md border px-2.5 py-1.5 text-sm has-[:checked]:border-primary">
                <input
                  type="checkbox"
                  className="size-4 accent-primary"
                  checked={value.includes(u.id)}
                  onChange={(e) => toggle(u.id, e.target.checked)}
                />
                <span className="min-w-0 flex-1 truncate">{u.display_name || u.username}</span>
                <span className="truncate text-xs text-muted-foreground">{u.email}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}

function StepEditor({ form, index }: { form: DraftForm<PolicyDraft>; index: number }) {
  const step = form.draft.steps[index]!;
  const path = `steps[${index}]`;
  const set = <K extends keyof StepDraft>(key: K, value: StepDraft[K], paths: string[]) =>
    form.update((old) => ({ ...old, steps: old.steps.map((s, i) => (i === index ? { ...s, [key]: value } : s)) }), paths);
  const stepError = form.errorFor(path);
  return (
    <li className="flex flex-col gap-4 rounded-lg border p-3" aria-label={`Step ${index + 1}`}>
      <div className="flex items-center justify-between gap-2">
        <h3 className="text-sm font-semibold">Step {index + 1}</h3>
        {form.draft.steps.length > 1 ? (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => form.update((old) => ({ ...old, steps: old.steps.filter((_, i) => i !== index) }), ["steps"])}
          >
            <Trash2 aria-hidden="true" />
            Remove step {index + 1}
          </Button>
        ) : null}
      </div>
      <PathField
        form={form}
        path={`${path}.delay_s`}
        label="Minutes after the alert fired"
        hint={index === 0 ? "0: when the alert fires." : "Sent if nobody has acknowledged by then."}
        className="max-w-xs"
      >
        <Input
          inputMode="decimal"
          value={step.delay_min}
          onChange={(e) => set("delay_min", e.target.value, [`${path}.delay_s`])}
        />
      </PathField>
      <ChannelPicker
        id={`step-${index}-channels`}
        legend="Channels"
        value={step.channels}
        onChange={(ids) => set("channels", ids, [`${path}.channels`, path])}
        error={form.errorFor(`${path}.channels`)}
      />
      <UserPicker id={`step-${index}-users`} value={step.users} onChange={(ids) => set("users", ids, [`${path}.users`, path])} />
      <FieldsetError form={form} path={`${path}.users`} id={`step-${index}-users-error`} />
      {stepError && !form.errorFor(`${path}.delay_s`) && !form.errorFor(`${path}.channels`) && !form.errorFor(`${path}.users`) ? (
        <p className="text-xs font-medium text-destructive-text">{stepError.replace(/^./, (c) => c.toUpperCase())}</p>
      ) : null}
    </li>
  );
}

export const POLICY_FORM_PATHS = ["name", "repeat", "steps"] as const;

export function PolicyForm({
  initial,
  submitLabel,
  onSubmit,
  cancelTo,
}: {
  initial: PolicyDraft;
  submitLabel: string;
  onSubmit: (body: PolicyBody) => Promise<void>;
  cancelTo: string;
}) {
  const form = useDraftForm(initial, toPolicyBody, onSubmit);
  const { draft } = form;
  const last = draft.steps[draft.steps.length - 1];
  return (
    <form onSubmit={form.onSubmit} noValidate className="flex max-w-3xl flex-col gap-4">
      <FormTop form={form} shownPaths={POLICY_FORM_PATHS} />
      <Card>
        <CardHeader>
          <CardTitle>Policy</CardTitle>
        </CardHeader>
        <CardContent className="grid gap-4 sm:grid-cols-[1fr_12rem]">
          <PathField form={form} path="name" label="Name" required>
            <Input
              value={draft.name}
              maxLength={200}
              onChange={(e) => form.update((old) => ({ ...old, name: e.target.value }), ["name"])}
            />
          </PathField>
          <PathField form={form} path="repeat" label="Run the steps again" hint="Times, 0-10, while unacknowledged.">
            <Input
              inputMode="numeric"
              value={draft.repeat}
              onChange={(e) => form.update((old) => ({ ...old, repeat: e.target.value }), ["repeat"])}
            />
          </PathField>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Steps</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-3">
          <ol className="flex flex-col gap-3">
            {draft.steps.map((_, i) => (
              <StepEditor key={i} form={form} index={i} />
            ))}
          </ol>
          {(() => {
            const error = form.errorFor("steps");
            const own = error && !/^(entry|steps)/.test(error) ? error.split(";")[0] : null;
            return own ? (
              <p className="text-xs font-medium text-destructive-text">{own.replace(/^./, (c) => c.toUpperCase())}</p>
            ) : null;
          })()}
          {draft.steps.length < MAX_STEPS ? (
            <div>
              <Button
                variant="outline"
                size="sm"
                onClick={() =>
                  form.update(
                    (old) => ({ ...old, steps: [...old.steps, emptyStep(String(Number(last?.delay_min ?? 0) + 15))] }),
                    ["steps"],
                  )
                }
              >
                <Plus aria-hidden="true" />
                Add step
              </Button>
            </div>
          ) : null}
        </CardContent>
      </Card>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={form.busy}>
          {form.busy ? "Saving…" : submitLabel}
        </Button>
        <Button variant="outline" asChild>
          <Link to={cancelTo}>Cancel</Link>
        </Button>
      </div>
    </form>
  );
}
