/**
 * Create or edit a notification channel: the common settings, and the inputs of the
 * chosen type as its module declares them. Local problems show as the user goes; the
 * server's field errors (`config.url`) land on their inputs.
 */
import { Link } from "react-router";
import { PairsEditor } from "@/components/service-form/pairs-editor";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import {
  CHANNEL_TYPE_ORDER,
  CHANNEL_TYPES,
  channelFormPaths,
  configOf,
  SECRET_MASK,
  toChannelBody,
  type ChannelDraft,
  type ChannelField,
  type ChannelType,
  type CreateChannelBody,
} from "@/lib/channel-form";
import type { Pair } from "@/lib/service-form";
import { useDraftForm, type DraftForm } from "@/lib/use-draft-form";
import { FieldsetError, FormTop, PathField, SwitchField } from "./path-field";

function ConfigInput({ form, field, editing }: { form: DraftForm<ChannelDraft>; field: ChannelField; editing: boolean }) {
  const { draft } = form;
  const path = `config.${field.key}`;
  const value = configOf(draft)[field.key];
  const set = (next: string | Pair[]) =>
    form.update((old) => ({ ...old, configs: { ...old.configs, [old.type]: { ...configOf(old), [field.key]: next } } }), [path]);
  if (field.kind === "pairs") {
    const error = form.errorFor(path);
    return (
      <div onBlur={() => form.touch(path)}>
        <PairsEditor
          id={`channel-${field.key}`}
          label={field.label}
          pairs={Array.isArray(value) ? value : []}
          onChange={set}
          secretValues={field.secretValues ?? false}
          addLabel={`Add ${field.label.toLowerCase().replace(/s$/, "")}`}
          describedBy={error ? `channel-${field.key}-error` : undefined}
          invalid={Boolean(error)}
        />
        <FieldsetError form={form} path={path} id={`channel-${field.key}-error`} />
        {field.hint ? <p className="mt-1 text-xs text-muted-foreground">{field.hint}</p> : null}
      </div>
    );
  }
  const text = typeof value === "string" ? value : "";
  const masked = editing && field.kind === "secret" && text === SECRET_MASK;
  const hint = masked ? <>Stored and hidden; leave it to keep it, or type a new one. {field.hint}</> : field.hint;
  return (
    <PathField form={form} path={path} label={field.label} hint={hint} required={field.required ?? false}>
      {field.kind === "select" ? (
        <NativeSelect value={text} onChange={(e) => set(e.target.value)}>
          {field.options?.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </NativeSelect>
      ) : field.kind === "list" ? (
        <Textarea
          value={text}
          onChange={(e) => set(e.target.value)}
          rows={2}
          placeholder={field.placeholder}
          className="font-sans text-sm"
          spellCheck={false}
        />
      ) : (
        <Input
          type={field.kind === "secret" ? "password" : field.kind === "url" ? "url" : "text"}
          inputMode={field.kind === "int" ? "numeric" : undefined}
          autoComplete={field.kind === "secret" ? "new-password" : "off"}
          spellCheck={false}
          placeholder={field.placeholder}
          value={text}
          onFocus={(e) => masked && e.currentTarget.select()}
          onChange={(e) => set(e.target.value)}
        />
      )}
    </PathField>
  );
}

export function ChannelForm({
  initial,
  editing,
  submitLabel,
  onSubmit,
  cancelTo,
}: {
  initial: ChannelDraft;
  editing: boolean;
  submitLabel: string;
  onSubmit: (body: CreateChannelBody) => Promise<void>;
  cancelTo: string;
}) {
  const form = useDraftForm(initial, toChannelBody, onSubmit);
  const { draft } = form;
  const info = CHANNEL_TYPES[draft.type];
  const setType = (type: ChannelType) =>
    form.update(
      (old) => ({
        ...old,
        type,
        configs: { ...old.configs, [type]: old.configs[type] ?? configOf({ ...old, type, configs: {} }) },
        max_attempts: type === "email" && Number(old.max_attempts) > 10 ? "10" : old.max_attempts,
      }),
      ["type", "config"],
    );
  return (
    <form onSubmit={form.onSubmit} noValidate className="flex max-w-3xl flex-col gap-4">
      <FormTop form={form} shownPaths={channelFormPaths(draft.type)} />
      <Card>
        <CardHeader>
          <CardTitle>Where to send</CardTitle>
          <CardDescription>{info.description}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <PathField form={form} path="type" label="Channel type" required>
            <NativeSelect value={draft.type} onChange={(e) => setType(e.target.value as ChannelType)}>
              {CHANNEL_TYPE_ORDER.map((t) => (
                <option key={t} value={t}>
                  {CHANNEL_TYPES[t].label}
                </option>
              ))}
            </NativeSelect>
          </PathField>
          {info.fields.map((field) => (
            <ConfigInput key={`${draft.type}:${field.key}`} form={form} field={field} editing={editing} />
          ))}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Name and delivery</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <PathField form={form} path="name" label="Name" required>
            <Input
              value={draft.name}
              maxLength={200}
              onChange={(e) => form.update((old) => ({ ...old, name: e.target.value }), ["name"])}
            />
          </PathField>
          <div className="grid gap-4 sm:grid-cols-2">
            <PathField
              form={form}
              path="group_wait_s"
              label="Group alerts for (seconds)"
              hint="0: each alert at once. Otherwise alerts firing within this window go out as one message (0-3600)."
            >
              <Input
                inputMode="numeric"
                value={draft.group_wait_s}
                onChange={(e) => form.update((old) => ({ ...old, group_wait_s: e.target.value }), ["group_wait_s"])}
              />
            </PathField>
            <PathField
              form={form}
              path="max_attempts"
              label="Delivery attempts"
              hint={`Tries before a message is given up as dead (1-${draft.type === "email" ? 10 : 20}).`}
            >
              <Input
                inputMode="numeric"
                value={draft.max_attempts}
                onChange={(e) => form.update((old) => ({ ...old, max_attempts: e.target.value }), ["max_attempts"])}
              />
            </PathField>
          </div>
          <SwitchField
            id="channel-default"
            label="Default channel"
            hint="Receives the alerts of every rule that names no channel."
            checked={draft.default}
            onChange={(v) => form.update((old) => ({ ...old, default: v }), ["default"])}
          />
          <SwitchField
            id="channel-enabled"
            label={draft.enabled ? "Sending is on" : "Sending is off"}
            hint="A channel that is off keeps its settings and sends nothing."
            checked={draft.enabled}
            onChange={(v) => form.update((old) => ({ ...old, enabled: v }), ["enabled"])}
          />
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
