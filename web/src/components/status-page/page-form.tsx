/**
 * Create or edit a status page: its title and address (the slug is checked as it is
 * typed), its sections of components, who may open it, how it looks, and where visitor
 * reports go.
 */
import { Link } from "react-router";
import { FieldsetError, FormTop, PathField } from "@/components/path-field";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import {
  HISTORY_DAYS,
  PAGE_FORM_PATHS,
  slugFromTitle,
  THEMES,
  toPageBody,
  VISIBILITIES,
  type PageBody,
  type PageDraft,
  type PageTheme,
} from "@/lib/status-pages";
import { useDraftForm } from "@/lib/use-draft-form";
import { useAllChannels } from "@/queries/channels";
import { SectionsEditor } from "./sections-editor";

/** The channel to notify of visitor reports; takes the label's id and ARIA from its field. */
function ReportChannel({
  value,
  onChange,
  ...aria
}: {
  value: string;
  onChange: (id: string) => void;
  id?: string;
  "aria-invalid"?: boolean;
  "aria-describedby"?: string;
}) {
  const channels = useAllChannels();
  const items = channels.data?.items ?? [];
  const known = items.some((c) => c.id === value);
  return (
    <NativeSelect {...aria} value={value} onChange={(e) => onChange(e.target.value)} disabled={channels.isPending}>
      <option value="">Not notified (listed here only)</option>
      {value && !known && !channels.isPending ? <option value={value}>Unknown channel {value.slice(0, 8)}</option> : null}
      {items.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name}
        </option>
      ))}
    </NativeSelect>
  );
}

export function PageForm({
  initial,
  submitLabel,
  onSubmit,
  cancelTo,
}: {
  initial: PageDraft;
  submitLabel: string;
  onSubmit: (body: PageBody) => Promise<void>;
  cancelTo: string;
}) {
  const form = useDraftForm(initial, toPageBody, onSubmit);
  const { draft } = form;
  const set = <K extends keyof PageDraft>(key: K, value: PageDraft[K], paths: string[] = [key]) =>
    form.update((old) => ({ ...old, [key]: value }), paths);
  const origin = typeof window === "undefined" ? "" : window.location.origin;

  return (
    <form onSubmit={form.onSubmit} noValidate className="flex max-w-3xl flex-col gap-4">
      <FormTop form={form} shownPaths={PAGE_FORM_PATHS} />
      <Card>
        <CardHeader>
          <CardTitle>Page</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <PathField form={form} path="title" label="Title" required>
            <Input
              value={draft.title}
              maxLength={200}
              onChange={(e) => {
                const title = e.target.value;
                form.update(
                  (old) => ({ ...old, title, ...(old.slugFollowsTitle ? { slug: slugFromTitle(title) } : {}) }),
                  draft.slugFollowsTitle ? ["title", "slug"] : ["title"],
                );
              }}
            />
          </PathField>
          <PathField
            form={form}
            path="slug"
            label="Address"
            required
            hint={
              <>
                {origin}/status/<strong className="text-foreground">{draft.slug || "…"}</strong> · lowercase letters, digits and
                hyphens.
              </>
            }
          >
            <Input
              value={draft.slug}
              maxLength={64}
              spellCheck={false}
              autoCapitalize="off"
              autoComplete="off"
              className="font-mono"
              onChange={(e) => {
                // Checked as it is typed: the reason shows at once.
                form.touch("slug");
                form.update((old) => ({ ...old, slug: e.target.value, slugFollowsTitle: false }), ["slug"]);
              }}
            />
          </PathField>
          <PathField form={form} path="description" label="Description" hint="Shown under the title.">
            <Textarea
              value={draft.description}
              rows={2}
              className="font-sans text-sm"
              onChange={(e) => set("description", e.target.value)}
            />
          </PathField>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Sections and components</CardTitle>
          <CardDescription>
            Visitors see the components in this order, under each section's name, with their status and daily history.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <SectionsEditor form={form} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Who sees it and how</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <fieldset
            className="flex flex-col gap-2"
            aria-describedby={form.errorFor("visibility") ? "page-visibility-error" : undefined}
          >
            <legend className="mb-1.5 text-sm font-medium">Visibility</legend>
            <div className="grid gap-2 sm:grid-cols-2">
              {VISIBILITIES.map((v) => (
                <label
                  key={v.value}
                  className="flex items-start gap-2 rounded-md border px-3 py-2 text-sm has-[:checked]:border-primary"
                >
                  <input
                    type="radio"
                    name="visibility"
                    className="mt-0.5 size-4 accent-primary"
                    value={v.value}
                    checked={draft.visibility === v.value}
                    onChange={() => set("visibility", v.value)}
                  />
                  <span className="flex flex-col gap-0.5">
                    <span className="font-medium">{v.label}</span>
                    <span className="text-xs text-muted-foreground">{v.hint}</span>
                  </span>
                </label>
              ))}
            </div>
            <FieldsetError form={form} path="visibility" id="page-visibility-error" />
          </fieldset>
          <div className="grid gap-4 sm:grid-cols-2">
            <PathField form={form} path="theme" label="Colours">
              <NativeSelect value={draft.theme} onChange={(e) => set("theme", e.target.value as PageTheme)}>
                {THEMES.map((t) => (
                  <option key={t.value} value={t.value}>
                    {t.label}
                  </option>
                ))}
              </NativeSelect>
            </PathField>
            <PathField form={form} path="history_days" label="History bars">
              <NativeSelect value={draft.history_days} onChange={(e) => set("history_days", e.target.value)}>
                {HISTORY_DAYS.map((d) => (
                  <option key={d} value={String(d)}>
                    Last {d} days
                  </option>
                ))}
              </NativeSelect>
            </PathField>
          </div>
          <PathField
            form={form}
            path="logo_url"
            label="Logo URL"
            hint="An http or https image shown beside the title (optional)."
          >
            <Input
              type="url"
              inputMode="url"
              value={draft.logo_url}
              spellCheck={false}
              onChange={(e) => set("logo_url", e.target.value)}
            />
          </PathField>
          <PathField
            form={form}
            path="footer"
            label="Footer"
            hint="A line at the bottom, such as your support address (optional)."
          >
            <Textarea
              value={draft.footer}
              rows={2}
              className="font-sans text-sm"
              onChange={(e) => set("footer", e.target.value)}
            />
          </PathField>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Custom domain and reports</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <PathField
            form={form}
            path="custom_domain"
            label="Custom domain"
            hint="Requests for this host name are answered with this page at /. Point its DNS at this server (optional)."
          >
            <Input
              value={draft.custom_domain}
              spellCheck={false}
              autoCapitalize="off"
              placeholder="status.example.com"
              onChange={(e) => set("custom_domain", e.target.value)}
            />
          </PathField>
          <PathField
            form={form}
            path="report_channel_id"
            label="Tell this channel about visitor reports"
            hint={
              <>
                Visitors report problems through the page's form.{" "}
                <Link to="/notification-channels" className="text-primary-text underline underline-offset-4">
                  Notification channels
                </Link>
              </>
            }
          >
            <ReportChannel value={draft.report_channel_id} onChange={(id) => set("report_channel_id", id)} />
          </PathField>
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
