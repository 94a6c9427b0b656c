/**
 * Server settings (administrators): self-registration, Basic auth, a test e-mail through
 * the SMTP settings, and the notification templates with a preview against a sample alert.
 */
import { Eye, Mail, Trash2 } from "lucide-react";
import { useEffect, useState, type FormEvent } from "react";
import { ApiError } from "@/api/envelope";
import { FormError, FormField } from "@/components/form-field";
import { PageHeader } from "@/components/page-header";
import { SwitchField } from "@/components/path-field";
import { AdminOnly } from "@/components/user-badges";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { CHANNEL_TYPE_ORDER, channelTypeLabel } from "@/lib/channel-form";
import { errorText } from "@/lib/error-text";
import * as v from "@/lib/validate";
import {
  usePreviewTemplate,
  useSaveTemplates,
  useSettings,
  useSmtpTest,
  useTemplates,
  useUpdateSettings,
  type TemplateEvent,
} from "@/queries/settings";
import { useUser } from "@/session/use-session";

const EVENTS: readonly TemplateEvent[] = ["firing", "reminder", "resolved", "digest", "test"];

function Access() {
  const settings = useSettings();
  const update = useUpdateSettings();
  const change = (body: { registration_enabled?: boolean; basic_auth_enabled?: boolean }, done: string) =>
    update.mutate(body, {
      onSuccess: () => toast("success", done),
      onError: (error) => toast("error", "Could not change the setting", errorText(error)),
    });
  return (
    <Card>
      <CardHeader>
        <CardTitle>Sign-in</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {settings.isPending ? (
          <Skeleton className="h-16" />
        ) : settings.isError ? (
          <p className="text-sm text-destructive-text">{settings.error.message}</p>
        ) : (
          <>
            <SwitchField
              id="setting-registration"
              label="Anyone may create an account"
              hint="New accounts are viewers; an administrator can give them more."
              checked={settings.data.registration_enabled}
              disabled={update.isPending}
              onChange={(on) => change({ registration_enabled: on }, on ? "Registration is open" : "Registration is closed")}
            />
            <SwitchField
              id="setting-basic-auth"
              label="Accept HTTP Basic auth on the API"
              hint="For tools that cannot send a bearer token or API key; use it over HTTPS only."
              checked={settings.data.basic_auth_enabled}
              disabled={update.isPending}
              onChange={(on) => change({ basic_auth_enabled: on }, on ? "Basic auth is on" : "Basic auth is off")}
            />
          </>
        )}
      </CardContent>
    </Card>
  );
}

function SmtpTest() {
  const user = useUser();
  const test = useSmtpTest();
  const [to, setTo] = useState(user.email);
  const [touched, setTouched] = useState(false);
  const local = v.firstProblem(to, v.required, v.email);
  const fields = test.error instanceof ApiError ? test.error.fields : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (local) return;
    test.mutate(to.trim());
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>E-mail</CardTitle>
        <CardDescription>
          Sends a test e-mail now through the server's EMAIL_* settings and says what the mail server answered.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} noValidate className="flex flex-col gap-3">
          <div className="flex flex-col gap-2 sm:flex-row sm:items-start">
            <FormField
              label="Send to"
              className="flex-1"
              error={fields["to"] ? `Address ${fields["to"]}` : touched && local ? `Address ${local}` : undefined}
            >
              <Input type="email" value={to} onBlur={() => setTouched(true)} onChange={(e) => setTo(e.target.value)} />
            </FormField>
            <Button type="submit" className="sm:mt-6" disabled={test.isPending}>
              <Mail aria-hidden="true" />
              {test.isPending ? "Sending…" : "Send test e-mail"}
            </Button>
          </div>
          {test.isSuccess ? (
            <p role="status" className="rounded-md border border-up/50 bg-up-soft px-3 py-2 text-sm text-up-text">
              The mail server accepted the test e-mail to {test.data.to}.
            </p>
          ) : null}
          {test.isError && !fields["to"] ? <FormError message={`Not sent: ${errorText(test.error)}`} /> : null}
        </form>
      </CardContent>
    </Card>
  );
}

function Templates() {
  const templates = useTemplates();
  const save = useSaveTemplates();
  const preview = usePreviewTemplate();
  const [overrides, setOverrides] = useState<Record<string, string> | null>(null);
  const [what, setWhat] = useState<string>("slack");
  const [event, setEvent] = useState<TemplateEvent>("firing");
  const [previewType, setPreviewType] = useState<string>("slack");
  const [saveError, setSaveError] = useState<unknown>(null);
  useEffect(() => {
    if (templates.data && overrides === null) setOverrides(templates.data);
  }, [templates.data, overrides]);

  if (templates.isPending || overrides === null) return <Skeleton className="h-64" />;
  const key = `${what}.${event}`;
  const value = overrides[key] ?? "";
  const fields = saveError instanceof ApiError ? saveError.fields : {};
  const keyError = fields[`templates.${key}`];
  const dirty = JSON.stringify(overrides) !== JSON.stringify(templates.data ?? {});
  const previewFor = what === "title" ? previewType : what;

  const setValue = (text: string) =>
    setOverrides((old) => {
      const next = { ...(old ?? {}) };
      if (text.trim()) next[key] = text;
      else delete next[key];
      return next;
    });
  const runPreview = () =>
    preview.mutate({ type: previewFor, event, ...(what !== "title" && value.trim() ? { template: value } : {}) });

  return (
    <Card>
      <CardHeader>
        <CardTitle>Notification templates</CardTitle>
        <CardDescription>
          MiniJinja templates replace the default title or a channel type's message per event. Empty: the default. Data such as{" "}
          <code className="font-mono text-xs">{"{{ monitor.name }}"}</code>,{" "}
          <code className="font-mono text-xs">{"{{ alert.status }}"}</code>,{" "}
          <code className="font-mono text-xs">{"{{ alert.value }}"}</code> and{" "}
          <code className="font-mono text-xs">{"{{ ack_url }}"}</code>.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        <div className="grid gap-3 sm:grid-cols-2">
          <FormField label="Template of">
            <NativeSelect value={what} onChange={(e) => setWhat(e.target.value)}>
              <option value="title">Title (every channel)</option>
              {CHANNEL_TYPE_ORDER.map((t) => (
                <option key={t} value={t}>
                  {channelTypeLabel(t)} message
                </option>
              ))}
            </NativeSelect>
          </FormField>
          <FormField label="Event">
            <NativeSelect value={event} onChange={(e) => setEvent(e.target.value as TemplateEvent)}>
              {EVENTS.map((e) => (
                <option key={e} value={e}>
                  {e.charAt(0).toUpperCase() + e.slice(1)}
                </option>
              ))}
            </NativeSelect>
          </FormField>
        </div>
        <FormField
          label={`Template ${key}`}
          error={keyError ? `It ${keyError}` : undefined}
          hint={overrides[key] ? "Overrides the default." : "Using the default."}
        >
          <Textarea rows={6} value={value} spellCheck={false} onChange={(e) => setValue(e.target.value)} />
        </FormField>
        <div className="flex flex-wrap items-end gap-2">
          {what === "title" ? (
            <FormField label="Preview as" className="w-48">
              <NativeSelect value={previewType} onChange={(e) => setPreviewType(e.target.value)}>
                {CHANNEL_TYPE_ORDER.map((t) => (
                  <option key={t} value={t}>
                    {channelTypeLabel(t)}
                  </option>
                ))}
              </NativeSelect>
            </FormField>
          ) : null}
          <Button variant="outline" onClick={runPreview} disabled={preview.isPending}>
            <Eye aria-hidden="true" />
            {preview.isPending ? "Rendering…" : "Preview"}
          </Button>
        </div>
        {preview.isError ? <FormError message={`The template does not render: ${errorText(preview.error)}`} /> : null}
        {preview.data ? (
          <section aria-label="Preview" className="flex flex-col gap-2 rounded-md border bg-muted/40 p-3">
            <p className="text-xs text-muted-foreground">
              {channelTypeLabel(previewFor)}, {preview.variables?.event}, against a sample alert
              {what === "title" ? " (saved title)" : ""}
            </p>
            <p className="text-sm font-semibold break-words">{preview.data.title}</p>
            <pre className="max-h-72 overflow-auto rounded bg-background p-2 font-mono text-xs whitespace-pre-wrap">
              {preview.data.body}
            </pre>
          </section>
        ) : null}
        {Object.keys(overrides).length ? (
          <div>
            <h3 className="mb-1.5 text-sm font-medium">Overrides</h3>
            <ul className="flex flex-col gap-1">
              {Object.keys(overrides)
                .sort()
                .map((k) => (
                  <li key={k} className="flex items-center justify-between gap-2 rounded-md border px-2.5 py-1 text-sm">
                    <button
                      type="button"
                      className="font-mono text-xs underline-offset-4 hover:underline"
                      onClick={() => {
                        const [w, e] = k.split(".");
                        if (w) setWhat(w);
                        if (e) setEvent(e as TemplateEvent);
                      }}
                    >
                      {k}
                    </button>
                    {fields[`templates.${k}`] ? (
                      <span className="text-xs text-destructive-text">{fields[`templates.${k}`]}</span>
                    ) : null}
                    <Button
                      variant="ghost"
                      size="icon"
                      className="size-7"
                      aria-label={`Remove the override ${k}`}
                      onClick={() =>
                        setOverrides((old) => {
                          const next = { ...(old ?? {}) };
                          delete next[k];
                          return next;
                        })
                      }
                    >
                      <Trash2 aria-hidden="true" />
                    </Button>
                  </li>
                ))}
            </ul>
          </div>
        ) : null}
        {saveError && !Object.keys(fields).some((k) => k.startsWith("templates.")) ? (
          <FormError message={errorText(saveError)} />
        ) : null}
        <div className="flex flex-wrap gap-2">
          <Button
            disabled={!dirty || save.isPending}
            onClick={() => {
              setSaveError(null);
              save.mutate(overrides, {
                onSuccess: (saved) => {
                  setOverrides(saved);
                  toast("success", "Templates saved");
                },
                onError: setSaveError,
              });
            }}
          >
            {save.isPending ? "Saving…" : "Save templates"}
          </Button>
          <Button variant="outline" disabled={!dirty} onClick={() => setOverrides(templates.data ?? {})}>
            Discard changes
          </Button>
        </div>
      </CardContent>
    </Card>
  );
}

export function Component() {
  return (
    <AdminOnly>
      <PageHeader title="Settings" />
      <div className="grid max-w-3xl gap-4">
        <Access />
        <SmtpTest />
        <Templates />
      </div>
    </AdminOnly>
  );
}
