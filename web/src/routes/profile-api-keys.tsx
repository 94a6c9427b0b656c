/**
 * API keys: listed by name and prefix (never the key), created with an optional expiry
 * and shown once, deleted with confirmation.
 */
import { KeyRound, Plus, Trash2, TriangleAlert } from "lucide-react";
import { useState, type ReactNode } from "react";
import { useSearchParams } from "react-router";
import type { components } from "@/api/schema";
import { AccountNav } from "@/components/account-nav";
import { CopyButton } from "@/components/copy-button";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { FormTop, PathField } from "@/components/path-field";
import { RelativeTime } from "@/components/relative-time";
import { ROLE_LABEL } from "@/components/user-badges";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, NativeSelect } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { errorText } from "@/lib/error-text";
import { formatAbsolute } from "@/lib/time";
import { useDraftForm } from "@/lib/use-draft-form";
import { useApiKeys, useCreateApiKey, useDeleteApiKey } from "@/queries/me";
import { ROLES, type Role } from "@/queries/users";
import { useUser } from "@/session/use-session";

type ApiKey = components["schemas"]["ApiKeyView"];
type CreatedKey = components["schemas"]["CreatedApiKey"];

const EXPIRIES = [
  { value: "", label: "Never" },
  { value: "7", label: "In 7 days" },
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "365", label: "In a year" },
  { value: "date", label: "On a date…" },
] as const;

interface KeyDraft {
  name: string;
  expiry: string;
  date: string;
  role: Role;
  now: number;
}
type KeyBody = { name: string; expires_at?: string; role: Role };

function toKeyBody(d: KeyDraft): { body: KeyBody; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const name = d.name.trim();
  if (!name) problems["name"] = "is required";
  else if (name.length > 100) problems["name"] = "must be at most 100 characters";
  let expires_at: string | undefined;
  if (d.expiry === "date") {
    const at = new Date(`${d.date}T23:59:59`);
    if (!d.date || Number.isNaN(at.getTime())) problems["expires_at"] = "needs a date";
    else if (at.getTime() <= d.now) problems["expires_at"] = "must be in the future";
    else expires_at = at.toISOString();
  } else if (d.expiry) {
    expires_at = new Date(d.now + Number(d.expiry) * 86_400_000).toISOString();
  }
  return { body: { name, role: d.role, ...(expires_at ? { expires_at } : {}) }, problems };
}

function CreateKeyDialog({ onCreated, onClose }: { onCreated: (key: CreatedKey) => void; onClose: () => void }) {
  const user = useUser();
  const create = useCreateApiKey();
  const allowed = ROLES.slice(0, ROLES.indexOf(user.role) + 1);
  const form = useDraftForm<KeyDraft, KeyBody>(
    { name: "", expiry: "90", date: "", role: user.role, now: Date.now() },
    toKeyBody,
    async (body) => onCreated(await create.mutateAsync(body)),
  );
  const set = (key: keyof KeyDraft, value: string) =>
    form.update((old) => ({ ...old, [key]: value, now: Date.now() }), [key === "date" || key === "expiry" ? "expires_at" : key]);
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Create API key</DialogTitle>
          <DialogDescription>
            Scripts send it as the X-API-Key header. It acts with the role you choose, at most yours.
          </DialogDescription>
        </DialogHeader>
        <form onSubmit={form.onSubmit} noValidate className="flex flex-col gap-3">
          <FormTop form={form} shownPaths={["name", "expires_at", "role"]} />
          <PathField form={form} path="name" label="Name" required hint="What the key is for, such as “backup script”.">
            <Input value={form.draft.name} maxLength={100} onChange={(e) => set("name", e.target.value)} />
          </PathField>
          <div className="grid gap-3 sm:grid-cols-2">
            <PathField form={form} path="expires_at" label="Expires">
              <NativeSelect value={form.draft.expiry} onChange={(e) => set("expiry", e.target.value)}>
                {EXPIRIES.map((x) => (
                  <option key={x.value} value={x.value}>
                    {x.label}
                  </option>
                ))}
              </NativeSelect>
            </PathField>
            <PathField form={form} path="role" label="Acts as">
              <NativeSelect value={form.draft.role} onChange={(e) => set("role", e.target.value)}>
                {allowed.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_LABEL[r]}
                  </option>
                ))}
              </NativeSelect>
            </PathField>
          </div>
          {form.draft.expiry === "date" ? (
            <PathField
              form={form}
              path="expires_at"
              label="Expiry date"
              required
              hint="The key stops working at the end of this day."
            >
              <Input type="date" value={form.draft.date} onChange={(e) => set("date", e.target.value)} />
            </PathField>
          ) : null}
          <DialogFooter>
            <Button variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={form.busy}>
              {form.busy ? "Creating…" : "Create key"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function ShowKeyDialog({ created, onClose }: { created: CreatedKey; onClose: () => void }) {
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent onInteractOutside={(e) => e.preventDefault()}>
        <DialogHeader>
          <DialogTitle>Your new API key</DialogTitle>
          <DialogDescription>{created.name}</DialogDescription>
        </DialogHeader>
        <div
          role="alert"
          className="flex gap-2 rounded-md border border-pending/50 bg-pending-soft p-3 text-sm text-pending-text"
        >
          <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
          <p>Copy it now and keep it safe: it is shown this once and cannot be shown again. Anyone holding it acts as you.</p>
        </div>
        <code className="block rounded-md border bg-muted px-3 py-2 font-mono text-sm break-all">{created.key}</code>
        <DialogFooter>
          <CopyButton text={created.key} label="Copy key" />
          <Button onClick={onClose}>I have copied it</Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function expiryText(key: ApiKey): ReactNode {
  if (!key.expires_at) return <span className="text-muted-foreground">Never</span>;
  const expired = new Date(key.expires_at).getTime() <= Date.now();
  return (
    <span title={formatAbsolute(key.expires_at)} className={expired ? "text-destructive-text" : undefined}>
      {expired ? "Expired " : ""}
      <RelativeTime value={key.expires_at} />
    </span>
  );
}

export function Component() {
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const keys = useApiKeys(page);
  const remove = useDeleteApiKey();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [deleting, setDeleting] = useState<ApiKey | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const createButton = (
    <Button onClick={() => setCreating(true)}>
      <Plus aria-hidden="true" />
      Create API key
    </Button>
  );

  return (
    <>
      <PageHeader title="Account" />
      <AccountNav />
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-base font-semibold">API keys</h2>
        {keys.data?.total ? createButton : null}
      </div>
      {keys.isPending ? (
        <Skeleton className="h-32" />
      ) : keys.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load your keys: {keys.error.message}
        </p>
      ) : keys.data.total === 0 ? (
        <EmptyState icon={KeyRound} title="No API keys" action={createButton}>
          Create a key for scripts and tools that call the Monitron API as you.
        </EmptyState>
      ) : (
        <>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Your API keys</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">Name</TableHead>
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Acts as
                  </TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Last used
                  </TableHead>
                  <TableHead scope="col">Expires</TableHead>
                  <TableHead scope="col">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {keys.data.items.map((k) => (
                  <TableRow key={k.id}>
                    <TableCell>
                      <span className="block font-medium">{k.name}</span>
                      <span className="font-mono text-xs text-muted-foreground">{k.prefix}…</span>
                    </TableCell>
                    <TableCell className="hidden sm:table-cell">{ROLE_LABEL[k.role]}</TableCell>
                    <TableCell className="hidden md:table-cell">
                      <RelativeTime value={k.last_used_at} />
                    </TableCell>
                    <TableCell>{expiryText(k)}</TableCell>
                    <TableCell className="text-right">
                      <Button
                        variant="ghost"
                        size="icon"
                        aria-label={`Delete ${k.name}`}
                        onClick={() => {
                          setDeleteError(null);
                          setDeleting(k);
                        }}
                      >
                        <Trash2 aria-hidden="true" />
                      </Button>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <Pagination
            page={page}
            perPage={50}
            total={keys.data.total}
            onPage={(p) => setSearch(p > 1 ? { page: String(p) } : {}, { replace: true })}
            label="API key pages"
          />
        </>
      )}
      {creating ? (
        <CreateKeyDialog
          onClose={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            setCreated(key);
          }}
        />
      ) : null}
      {created ? <ShowKeyDialog created={created} onClose={() => setCreated(null)} /> : null}
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={`Delete ${deleting?.name ?? "key"}?`}
        description="Anything using it stops working at once."
        confirmLabel="Delete key"
        busy={remove.isPending}
        onConfirm={() =>
          deleting &&
          remove.mutate(deleting.id, {
            onSuccess: () => {
              toast("success", `Deleted ${deleting.name}`);
              setDeleting(null);
            },
            onError: (error) => setDeleteError(errorText(error, "This key")),
          })
        }
      >
        {deleteError ? (
          <p role="alert" className="rounded-md border border-down/50 bg-down-soft px-3 py-2 text-sm text-down-text">
            {deleteError}
          </p>
        ) : null}
      </ConfirmDialog>
    </>
  );
}
