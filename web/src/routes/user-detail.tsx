/**
 * One user (administrators): role, activation, password reset (a link by e-mail or a
 * temporary password shown here), group grants, and deletion confirmed with the acting
 * administrator's own password.
 */
import { ArrowLeft, KeyRound, Plus, SearchX, Trash2, X } from "lucide-react";
import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "@/api/envelope";
import type { User } from "@/api/types";
import { CopyButton } from "@/components/copy-button";
import { EmptyState } from "@/components/empty-state";
import { FormError, FormField } from "@/components/form-field";
import { PageHeader } from "@/components/page-header";
import { RelativeTime } from "@/components/relative-time";
import { AdminOnly, ROLE_LABEL, StatusPill } from "@/components/user-badges";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, NativeSelect } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { errorAt } from "@/lib/form-errors";
import { errorText } from "@/lib/error-text";
import {
  ROLES,
  useDeleteUser,
  useGrants,
  useResetUserPassword,
  useSaveGrants,
  useUpdateUser,
  useUserRecord,
  type Grant,
  type Role,
} from "@/queries/users";
import { useUser } from "@/session/use-session";

function Access({ user }: { user: User }) {
  const update = useUpdateUser(user.id);
  const [problem, setProblem] = useState<string | null>(null);
  const change = (body: { role?: Role; active?: boolean }, done: string) => {
    setProblem(null);
    update.mutate(body, {
      onSuccess: () => toast("success", done),
      onError: (error) => setProblem(errorText(error, "This user")),
    });
  };
  const active = user.status === "active";
  return (
    <Card>
      <CardHeader>
        <CardTitle>Access</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        <FormError message={problem} />
        <FormField
          label="Role"
          hint="Viewers read; editors manage monitors, pages and alerting; administrators also manage users and settings."
        >
          <NativeSelect
            className="max-w-xs"
            value={user.role}
            disabled={update.isPending}
            onChange={(e) =>
              change(
                { role: e.target.value as Role },
                `${user.username} is now ${ROLE_LABEL[e.target.value as Role].toLowerCase()}`,
              )
            }
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABEL[r]}
              </option>
            ))}
          </NativeSelect>
        </FormField>
        <div className="flex flex-wrap items-center gap-3">
          <StatusPill status={user.status} />
          <Button
            variant="outline"
            disabled={update.isPending}
            onClick={() => change({ active: !active }, active ? `Deactivated ${user.username}` : `Activated ${user.username}`)}
          >
            {active ? "Deactivate" : "Activate"}
          </Button>
          <p className="text-xs text-muted-foreground">
            {active ? "Deactivating signs them out and stops their API keys." : "Activating lets them sign in again."}
          </p>
        </div>
      </CardContent>
    </Card>
  );
}

function PasswordReset({ user }: { user: User }) {
  const reset = useResetUserPassword(user.id);
  const [problem, setProblem] = useState<string | null>(null);
  const [temporary, setTemporary] = useState<string | null>(null);
  const run = (method: "email" | "temporary_password") => {
    setProblem(null);
    setTemporary(null);
    reset.mutate(method, {
      onSuccess: (result) => {
        if (result.temporary_password) setTemporary(result.temporary_password);
        else toast("success", "Reset link sent", `${user.email} gets a link valid for 30 minutes.`);
      },
      onError: (error) => setProblem(errorText(error)),
    });
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>Password</CardTitle>
        <CardDescription>Resetting signs the user out everywhere.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <FormError message={problem} />
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" disabled={reset.isPending} onClick={() => run("email")}>
            E-mail a reset link
          </Button>
          <Button variant="outline" disabled={reset.isPending} onClick={() => run("temporary_password")}>
            <KeyRound aria-hidden="true" />
            Set a temporary password
          </Button>
        </div>
        {temporary ? (
          <div role="status" className="rounded-md border border-pending/50 bg-pending-soft p-3 text-sm text-pending-text">
            <p className="font-medium">Temporary password, shown once</p>
            <p className="mt-0.5">Give it to {user.username} through a safe channel; they should change it after signing in.</p>
            <div className="mt-2 flex flex-wrap items-center gap-2">
              <code className="rounded bg-background px-2 py-1 font-mono text-sm break-all text-foreground">{temporary}</code>
              <CopyButton text={temporary} label="Copy password" />
            </div>
          </div>
        ) : null}
      </CardContent>
    </Card>
  );
}

function Grants({ user }: { user: User }) {
  const grants = useGrants(user.id);
  const save = useSaveGrants(user.id);
  const [rows, setRows] = useState<Grant[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (grants.data && rows === null) setRows(grants.data);
  }, [grants.data, rows]);
  const fields = error instanceof ApiError ? error.fields : {};
  const local: Record<string, string> = {};
  (rows ?? []).forEach((g, i) => {
    if (!g.group.trim()) local[`[${i}].group`] = "is required";
    else if ((rows ?? []).findIndex((o) => o.group.trim() === g.group.trim()) !== i) local[`[${i}].group`] = "is given twice";
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!rows || Object.keys(local).length) return;
    setError(null);
    save.mutate(
      rows.map((g) => ({ group: g.group.trim(), role: g.role })),
      {
        onSuccess: (saved) => {
          setRows(saved);
          toast(
            "success",
            saved.length ? "Grants saved" : "Grants removed",
            saved.length ? undefined : `${user.username}'s role applies to every group.`,
          );
        },
        onError: setError,
      },
    );
  };
  const set = (i: number, change: Partial<Grant>) =>
    setRows((old) => (old ?? []).map((g, j) => (j === i ? { ...g, ...change } : g)));
  return (
    <Card>
      <CardHeader>
        <CardTitle>Group grants</CardTitle>
        <CardDescription>
          Grants narrow the user to some groups, with a role in each. No grants: the role above applies to every group.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {grants.isPending || rows === null ? (
          <Skeleton className="h-16" />
        ) : grants.isError ? (
          <p className="text-sm text-destructive-text">{grants.error.message}</p>
        ) : (
          <form onSubmit={submit} noValidate className="flex flex-col gap-3">
            <FormError message={error && !Object.keys(fields).some((k) => k.startsWith("[")) ? errorText(error) : null} />
            {rows.length === 0 ? <p className="text-sm text-muted-foreground">No grants.</p> : null}
            <ul className="flex flex-col gap-2">
              {rows.map((g, i) => {
                const problem = local[`[${i}].group`] ?? errorAt(fields, `[${i}]`);
                return (
                  <li key={i} className="flex flex-col gap-1">
                    <div className="flex gap-2">
                      <Input
                        aria-label={`Grant ${i + 1} group`}
                        placeholder="Group"
                        value={g.group}
                        aria-invalid={problem ? true : undefined}
                        aria-describedby={problem ? `grant-${i}-error` : undefined}
                        onChange={(e) => set(i, { group: e.target.value })}
                      />
                      <NativeSelect
                        aria-label={`Grant ${i + 1} role`}
                        className="w-40"
                        value={g.role}
                        onChange={(e) => set(i, { role: e.target.value as Role })}
                      >
                        {ROLES.map((r) => (
                          <option key={r} value={r}>
                            {ROLE_LABEL[r]}
                          </option>
                        ))}
                      </NativeSelect>
                      <Button
                        variant="ghost"
                        size="icon"
                        aria-label={`Remove grant ${g.group || i + 1}`}
                        onClick={() => setRows(rows.filter((_, j) => j !== i))}
                      >
                        <X aria-hidden="true" />
                      </Button>
                    </div>
                    {problem ? (
                      <p id={`grant-${i}-error`} className="text-xs font-medium text-destructive-text">
                        Group {problem}
                      </p>
                    ) : null}
                  </li>
                );
              })}
            </ul>
            <div className="flex flex-wrap gap-2">
              <Button variant="outline" size="sm" onClick={() => setRows([...rows, { group: "", role: "viewer" }])}>
                <Plus aria-hidden="true" />
                Add grant
              </Button>
              <Button type="submit" size="sm" disabled={save.isPending}>
                {save.isPending ? "Saving…" : "Save grants"}
              </Button>
            </div>
          </form>
        )}
      </CardContent>
    </Card>
  );
}

function DeleteUser({ user, self }: { user: User; self: boolean }) {
  const remove = useDeleteUser(user.id);
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const fields = error instanceof ApiError ? error.fields : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    remove.mutate(password, {
      onSuccess: () => {
        toast("success", `Deleted ${user.username}`);
        navigate("/users", { replace: true });
      },
      onError: setError,
    });
  };
  return (
    <>
      <Button
        variant="outline"
        onClick={() => {
          setPassword("");
          setError(null);
          setOpen(true);
        }}
      >
        <Trash2 aria-hidden="true" />
        Delete
      </Button>
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Delete {user.username}?</DialogTitle>
            <DialogDescription>
              {self ? "This is your own account: you are signed out for good. " : ""}Their sessions and API keys stop working.
              This cannot be undone.
            </DialogDescription>
          </DialogHeader>
          <form onSubmit={submit} noValidate className="flex flex-col gap-3">
            <FormError message={error && !fields["confirm_password"] ? errorText(error, "This user") : null} />
            <FormField
              label="Your password"
              required
              error={fields["confirm_password"] ? `Password ${fields["confirm_password"]}` : undefined}
              hint="To confirm it is you."
            >
              <Input
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </FormField>
            <DialogFooter>
              <Button variant="outline" onClick={() => setOpen(false)} disabled={remove.isPending}>
                Cancel
              </Button>
              <Button type="submit" variant="destructive" disabled={remove.isPending || !password}>
                {remove.isPending ? "Deleting…" : "Delete user"}
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>
    </>
  );
}

function UserPage() {
  const { id = "" } = useParams();
  const me = useUser();
  const user = useUserRecord(id);
  if (user.isPending) return <Skeleton className="h-96" />;
  if (user.isError) {
    const missing = user.error instanceof ApiError && user.error.status === 404;
    return (
      <EmptyState
        icon={SearchX}
        title={missing ? "User not found" : "Could not load this user"}
        action={
          <Button variant="outline" asChild>
            <Link to="/users">Back to users</Link>
          </Button>
        }
      >
        {missing ? "They may have been deleted." : user.error.message}
      </EmptyState>
    );
  }
  const u = user.data;
  return (
    <>
      <Link to="/users" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Users
      </Link>
      <PageHeader
        title={u.display_name || u.username}
        description={
          <>
            {u.username} · {u.email} · last signed in <RelativeTime value={u.last_login_at} /> · added{" "}
            <RelativeTime value={u.created_at} />
          </>
        }
        actions={<DeleteUser user={u} self={u.id === me.id} />}
      />
      <div className="grid max-w-3xl gap-4">
        <Access user={u} />
        <PasswordReset user={u} />
        <Grants user={u} />
      </div>
    </>
  );
}

export function Component() {
  return (
    <AdminOnly>
      <UserPage />
    </AdminOnly>
  );
}
