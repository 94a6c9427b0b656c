/**
 * A page's incidents and announcements: the open ones with their updates, posting a new
 * one (with the affected components picked from the page), posting updates that move its
 * status, resolving, and deleting; then the resolved ones, a page at a time.
 */
import { CheckCircle2, MessageSquarePlus, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { FormTop, PathField } from "@/components/path-field";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { errorText } from "@/lib/error-text";
import { formatAbsolute } from "@/lib/time";
import {
  componentIdsOf,
  emptyIncidentDraft,
  IMPACTS,
  impactLabel,
  INCIDENT_FORM_PATHS,
  INCIDENT_STATUSES,
  incidentStatusLabel,
  toIncidentBody,
  toUpdateBody,
  UPDATE_FORM_PATHS,
  type Impact,
  type IncidentBody,
  type PageIncident,
  type PageIncidentStatus,
  type StatusPage,
  type UpdateBody,
} from "@/lib/status-pages";
import { useDraftForm } from "@/lib/use-draft-form";
import {
  useComponentsByIds,
  useCreatePageIncident,
  useDeletePageIncident,
  usePageIncidents,
  usePostIncidentUpdate,
  type IncidentState,
} from "@/queries/status-pages";

const RESOLVED_PER_PAGE = 10;

const IMPACT_STYLE: Record<string, string> = {
  none: "border-maintenance/40 bg-maintenance-soft text-maintenance-text",
  minor: "border-pending/40 bg-pending-soft text-pending-text",
  major: "border-down/40 bg-down-soft text-down-text",
  critical: "border-down bg-down-soft font-semibold text-down-text",
};

export function ImpactBadge({ impact }: { impact: string }) {
  return <Badge className={IMPACT_STYLE[impact] ?? IMPACT_STYLE["minor"]}>{impactLabel(impact)}</Badge>;
}

function StatusBadge({ status }: { status: string }) {
  return (
    <Badge className={status === "resolved" ? "border-up/40 bg-up-soft text-up-text" : "bg-muted text-foreground"}>
      {incidentStatusLabel(status)}
    </Badge>
  );
}

function useNames(page: StatusPage): Map<string, string> {
  const lookup = useComponentsByIds(componentIdsOf(page.sections));
  return new Map([...lookup].map(([id, found]) => [id, found.data?.display_name ?? "A removed component"]));
}

function NewIncidentDialog({ page, names, onClose }: { page: StatusPage; names: Map<string, string>; onClose: () => void }) {
  const create = useCreatePageIncident(page.id);
  const onPage = componentIdsOf(page.sections);
  const form = useDraftForm(emptyIncidentDraft(), toIncidentBody, async (body: IncidentBody) => {
    const incident = await create.mutateAsync(body);
    toast("success", `Posted ${incident.title}`, page.subscribers ? "Its confirmed subscribers are told by e-mail." : undefined);
    onClose();
  });
  const { draft } = form;
  const announcement = draft.impact === "none";
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="max-h-[calc(100dvh-2rem)] max-w-xl overflow-y-auto">
        <DialogHeader>
          <DialogTitle>Post an incident or announcement</DialogTitle>
          <DialogDescription>It shows on the page at once and goes to the page's subscribers.</DialogDescription>
        </DialogHeader>
        <form onSubmit={form.onSubmit} noValidate className="flex flex-col gap-3">
          <FormTop form={form} shownPaths={INCIDENT_FORM_PATHS} />
          <PathField form={form} path="title" label="Title" required>
            <Input
              value={draft.title}
              maxLength={200}
              placeholder={announcement ? "Planned database upgrade" : "Checkout errors"}
              onChange={(e) => form.update((old) => ({ ...old, title: e.target.value }), ["title"])}
            />
          </PathField>
          <div className="grid gap-3 sm:grid-cols-2">
            <PathField form={form} path="impact" label="Impact">
              <NativeSelect
                value={draft.impact}
                onChange={(e) => form.update((old) => ({ ...old, impact: e.target.value as Impact }), ["impact"])}
              >
                {IMPACTS.map((i) => (
                  <option key={i.value} value={i.value}>
                    {i.label}
                  </option>
                ))}
              </NativeSelect>
            </PathField>
            <PathField form={form} path="status" label="Status">
              <NativeSelect
                value={draft.status}
                onChange={(e) => form.update((old) => ({ ...old, status: e.target.value as PageIncidentStatus }), ["status"])}
              >
                {INCIDENT_STATUSES.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </NativeSelect>
            </PathField>
          </div>
          <fieldset className="flex flex-col gap-2">
            <legend className="mb-1.5 text-sm font-medium">Affected components</legend>
            {onPage.length === 0 ? (
              <p className="text-sm text-muted-foreground">The page shows no components: the post concerns the whole page.</p>
            ) : (
              <ul className="grid max-h-48 gap-1.5 overflow-y-auto sm:grid-cols-2">
                {onPage.map((id, i) => (
                  <li key={id}>
                    <label className="flex items-center gap-2 rounded-md border px-2.5 py-1.5 text-sm has-[:checked]:border-primary">
                      <input
                        type="checkbox"
                        className="size-4 accent-primary"
                        checked={draft.components.includes(id)}
                        onChange={(e) =>
                          form.update(
                            (old) => ({
                              ...old,
                              components: e.target.checked ? [...old.components, id] : old.components.filter((c) => c !== id),
                            }),
                            ["components"],
                          )
                        }
                      />
                      <span className="min-w-0 flex-1 truncate">{names.get(id) ?? `Component ${i + 1}`}</span>
                    </label>
                  </li>
                ))}
              </ul>
            )}
            {form.errorFor("components") ? (
              <p className="text-xs font-medium text-destructive-text">{form.errorFor("components")}</p>
            ) : null}
          </fieldset>
          <PathField form={form} path="message" label="Message" required hint="The first update visitors and subscribers read.">
            <Textarea
              value={draft.message}
              rows={4}
              className="font-sans text-sm"
              onChange={(e) => form.update((old) => ({ ...old, message: e.target.value }), ["message"])}
            />
          </PathField>
          <DialogFooter>
            <Button variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={form.busy}>
              {form.busy ? "Posting…" : announcement ? "Post announcement" : "Post incident"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function UpdateDialog({
  pageId,
  incident,
  resolving,
  onClose,
}: {
  pageId: string;
  incident: PageIncident;
  resolving: boolean;
  onClose: () => void;
}) {
  const post = usePostIncidentUpdate(pageId);
  const form = useDraftForm(
    {
      status: resolving ? ("resolved" as const) : incident.status,
      message: resolving ? "This is resolved. Thank you for your patience." : "",
    },
    toUpdateBody,
    async (body: UpdateBody) => {
      await post.mutateAsync({ iid: incident.id, body });
      toast("success", body.status === "resolved" ? `Resolved ${incident.title}` : `Posted an update to ${incident.title}`);
      onClose();
    },
  );
  const { draft } = form;
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="max-h-[calc(100dvh-2rem)] overflow-y-auto">
        <DialogHeader>
          <DialogTitle>{resolving ? `Resolve ${incident.title}` : `Update ${incident.title}`}</DialogTitle>
          <DialogDescription>Visitors see it on the page; subscribers get it by e-mail.</DialogDescription>
        </DialogHeader>
        <form onSubmit={form.onSubmit} noValidate className="flex flex-col gap-3">
          <FormTop form={form} shownPaths={UPDATE_FORM_PATHS} />
          <PathField form={form} path="status" label="Status">
            <NativeSelect
              value={draft.status}
              onChange={(e) => form.update((old) => ({ ...old, status: e.target.value as PageIncidentStatus }), ["status"])}
            >
              {INCIDENT_STATUSES.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </NativeSelect>
          </PathField>
          <PathField form={form} path="message" label="Message" required>
            <Textarea
              value={draft.message}
              rows={4}
              className="font-sans text-sm"
              autoFocus
              onChange={(e) => form.update((old) => ({ ...old, message: e.target.value }), ["message"])}
            />
          </PathField>
          <DialogFooter>
            <Button variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={form.busy}>
              {form.busy ? "Posting…" : draft.status === "resolved" ? "Post and resolve" : "Post update"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function IncidentItem({
  incident,
  names,
  editor,
  onUpdate,
  onDelete,
}: {
  incident: PageIncident;
  names: Map<string, string>;
  editor: boolean;
  onUpdate: (incident: PageIncident, resolving: boolean) => void;
  onDelete: (incident: PageIncident) => void;
}) {
  const open = incident.status !== "resolved";
  const [latest, ...earlier] = incident.updates;
  const affected = incident.components.map((id) => names.get(id) ?? "A removed component");
  return (
    <li className="flex flex-col gap-2 p-3" aria-label={incident.title}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <h3 className="font-medium break-words">{incident.title}</h3>
            <ImpactBadge impact={incident.impact} />
            <StatusBadge status={incident.status} />
          </div>
          <p className="text-xs text-muted-foreground">
            Posted <RelativeTime value={incident.created_at} />
            {incident.resolved_at ? (
              <>
                {" "}
                · resolved <RelativeTime value={incident.resolved_at} />
              </>
            ) : null}
            {affected.length ? ` · ${affected.join(", ")}` : ""}
          </p>
        </div>
        {editor ? (
          <div className="flex flex-wrap gap-1">
            <Button variant="outline" size="sm" onClick={() => onUpdate(incident, false)}>
              <MessageSquarePlus aria-hidden="true" />
              Post update
            </Button>
            {open ? (
              <Button variant="outline" size="sm" onClick={() => onUpdate(incident, true)}>
                <CheckCircle2 aria-hidden="true" />
                Resolve
              </Button>
            ) : null}
            <Button variant="ghost" size="sm" aria-label={`Delete ${incident.title}`} onClick={() => onDelete(incident)}>
              <Trash2 aria-hidden="true" />
              <span className="hidden sm:inline">Delete</span>
            </Button>
          </div>
        ) : null}
      </div>
      {latest ? <Update update={latest} /> : null}
      {earlier.length ? (
        <details className="text-sm">
          <summary className="cursor-pointer text-muted-foreground hover:text-foreground">
            {earlier.length} earlier {earlier.length === 1 ? "update" : "updates"}
          </summary>
          <ol className="mt-2 flex flex-col gap-2">
            {earlier.map((u) => (
              <Update key={u.id} update={u} />
            ))}
          </ol>
        </details>
      ) : null}
    </li>
  );
}

function Update({ update }: { update: PageIncident["updates"][number] }) {
  return (
    <div className="rounded-md bg-muted/50 px-3 py-2 text-sm">
      <p className="text-xs text-muted-foreground">
        <strong className="font-medium text-foreground">{incidentStatusLabel(update.status)}</strong> ·{" "}
        <span title={formatAbsolute(update.created_at)}>
          <RelativeTime value={update.created_at} />
        </span>
      </p>
      <p className="mt-0.5 whitespace-pre-line break-words">{update.message}</p>
    </div>
  );
}

function IncidentList({
  page,
  state,
  names,
  editor,
  onUpdate,
  onDelete,
}: {
  page: StatusPage;
  state: IncidentState;
  names: Map<string, string>;
  editor: boolean;
  onUpdate: (incident: PageIncident, resolving: boolean) => void;
  onDelete: (incident: PageIncident) => void;
}) {
  const [n, setN] = useState(1);
  const perPage = state === "open" ? 50 : RESOLVED_PER_PAGE;
  const list = usePageIncidents(page.id, state, n, perPage);
  const title = state === "open" ? "Open" : "Resolved";
  return (
    <Card>
      <CardHeader className="flex-row items-baseline justify-between">
        <CardTitle>{title}</CardTitle>
        {list.data ? <span className="text-sm text-muted-foreground tabular-nums">{list.data.total}</span> : null}
      </CardHeader>
      <CardContent>
        {list.isPending ? (
          <Skeleton className="h-20" />
        ) : list.isError ? (
          <p className="text-sm text-destructive-text">Could not load the incidents: {list.error.message}</p>
        ) : list.data.items.length === 0 ? (
          <p className="flex items-center gap-2 text-sm text-muted-foreground">
            {state === "open" ? (
              <>
                <CheckCircle2 className="size-4 text-up" aria-hidden="true" />
                Nothing open: the page shows no incident.
              </>
            ) : (
              "None yet."
            )}
          </p>
        ) : (
          <>
            <ul className="-mx-3 divide-y" aria-label={`${title} incidents`}>
              {list.data.items.map((incident) => (
                <IncidentItem
                  key={incident.id}
                  incident={incident}
                  names={names}
                  editor={editor}
                  onUpdate={onUpdate}
                  onDelete={onDelete}
                />
              ))}
            </ul>
            <Pagination page={n} perPage={perPage} total={list.data.total} onPage={setN} label={`${title} incident pages`} />
          </>
        )}
      </CardContent>
    </Card>
  );
}

export function PageIncidents({ page, editor }: { page: StatusPage; editor: boolean }) {
  const names = useNames(page);
  const remove = useDeletePageIncident(page.id);
  const [posting, setPosting] = useState(false);
  const [updating, setUpdating] = useState<{ incident: PageIncident; resolving: boolean } | null>(null);
  const [deleting, setDeleting] = useState<PageIncident | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const onUpdate = (incident: PageIncident, resolving: boolean) => setUpdating({ incident, resolving });
  const onDelete = (incident: PageIncident) => {
    setDeleteError(null);
    setDeleting(incident);
  };

  return (
    <section aria-labelledby="incidents-heading" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <h2 id="incidents-heading" className="text-base font-semibold">
            Incidents and announcements
          </h2>
          <p className="text-sm text-muted-foreground">
            Posted by your team. Outages the monitors find show on the page by themselves.
          </p>
        </div>
        {editor ? (
          <Button onClick={() => setPosting(true)}>
            <Plus aria-hidden="true" />
            Post incident
          </Button>
        ) : null}
      </div>
      <IncidentList page={page} state="open" names={names} editor={editor} onUpdate={onUpdate} onDelete={onDelete} />
      <IncidentList page={page} state="resolved" names={names} editor={editor} onUpdate={onUpdate} onDelete={onDelete} />
      {posting ? <NewIncidentDialog page={page} names={names} onClose={() => setPosting(false)} /> : null}
      {updating ? (
        <UpdateDialog
          pageId={page.id}
          incident={updating.incident}
          resolving={updating.resolving}
          onClose={() => setUpdating(null)}
        />
      ) : null}
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={`Delete ${deleting?.title ?? "incident"}?`}
        description="It and its updates leave the page and its history. Mails already sent stay sent."
        confirmLabel="Delete incident"
        busy={remove.isPending}
        onConfirm={() => {
          if (!deleting) return;
          remove.mutate(deleting.id, {
            onSuccess: () => {
              toast("success", `Deleted ${deleting.title}`);
              setDeleting(null);
            },
            onError: (error) => setDeleteError(errorText(error, "This incident")),
          });
        }}
      >
        {deleteError ? (
          <p role="alert" className="rounded-md border border-down/50 bg-down-soft px-3 py-2 text-sm text-down-text">
            {deleteError}
          </p>
        ) : null}
      </ConfirmDialog>
    </section>
  );
}
