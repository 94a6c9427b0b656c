/**
 * Users (administrators): filtered by role and status, searched and sorted by the
 * server, one page at a time, and created from a dialog.
 */
import { Plus, Search, Users } from "lucide-react";
import { useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { FormTop, PathField } from "@/components/path-field";
import { RelativeTime } from "@/components/relative-time";
import { AdminOnly, ROLE_LABEL, StatusPill } from "@/components/user-badges";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { formatCount } from "@/lib/format";
import { useDebounced } from "@/lib/use-debounced";
import { useDraftForm } from "@/lib/use-draft-form";
import * as v from "@/lib/validate";
import { ROLES, useCreateUser, useUsers, type CreateUserBody, type Role, type UserListParams } from "@/queries/users";

const PER_PAGE = 50;
const SORTS = [
  { value: "username", label: "Username (A–Z)" },
  { value: "-username", label: "Username (Z–A)" },
  { value: "email", label: "E-mail" },
  { value: "role", label: "Role" },
  { value: "-last_login_at", label: "Last sign-in" },
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
] as const;

interface NewUser {
  username: string;
  email: string;
  display_name: string;
  password: string;
  role: Role;
}

function newUserBody(d: NewUser): { body: CreateUserBody; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const check = (field: keyof NewUser, ...checks: v.Check[]) => {
    const problem = v.firstProblem(d[field], ...checks);
    if (problem) problems[field] = problem;
  };
  check("username", v.required, v.username);
  check("email", v.required, v.email);
  check("password", v.password);
  if (d.password && [d.username.trim(), d.email.trim()].some((x) => x && x.toLowerCase() === d.password.toLowerCase()))
    problems["password"] = "must differ from the username and e-mail";
  return {
    body: {
      username: d.username.trim(),
      email: d.email.trim(),
      password: d.password,
      role: d.role,
      ...(d.display_name.trim() ? { display_name: d.display_name.trim() } : {}),
    },
    problems,
  };
}

function CreateUserDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const create = useCreateUser();
  const navigate = useNavigate();
  const form = useDraftForm<NewUser, CreateUserBody>(
    { username: "", email: "", display_name: "", password: "", role: "viewer" },
    newUserBody,
    async (body) => {
      const user = await create.mutateAsync(body);
      toast("success", `Added ${user.username}`, "Give them their password through a safe channel.");
      onOpenChange(false);
      navigate(`/users/${user.id}`);
    },
  );
  const set = (key: keyof NewUser, value: string) => form.update((old) => ({ ...old, [key]: value }), [key]);
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Add user</DialogTitle>
          <DialogDescription>They sign in with the username or e-mail and this password.</DialogDescription>
        </DialogHeader>
        <form onSubmit={form.onSubmit} noValidate className="flex flex-col gap-3">
          <FormTop form={form} shownPaths={["username", "email", "display_name", "password", "role"]} />
          <PathField form={form} path="username" label="Username" required hint="3-32 letters, digits, '.', '_' or '-'.">
            <Input autoComplete="off" value={form.draft.username} onChange={(e) => set("username", e.target.value)} />
          </PathField>
          <PathField form={form} path="email" label="E-mail" required>
            <Input type="email" autoComplete="off" value={form.draft.email} onChange={(e) => set("email", e.target.value)} />
          </PathField>
          <PathField form={form} path="display_name" label="Display name">
            <Input value={form.draft.display_name} onChange={(e) => set("display_name", e.target.value)} />
          </PathField>
          <PathField form={form} path="password" label="Initial password" required hint="At least 10 characters.">
            <Input
              type="password"
              autoComplete="new-password"
              value={form.draft.password}
              onChange={(e) => set("password", e.target.value)}
            />
          </PathField>
          <PathField form={form} path="role" label="Role">
            <NativeSelect value={form.draft.role} onChange={(e) => set("role", e.target.value)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABEL[r]}
                </option>
              ))}
            </NativeSelect>
          </PathField>
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={form.busy}>
              {form.busy ? "Adding…" : "Add user"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

export function Component() {
  return (
    <AdminOnly>
      <UsersPage />
    </AdminOnly>
  );
}

function UsersPage() {
  const [search, setSearch] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const role = search.get("role");
  const status = search.get("status");
  const params: UserListParams = {
    page: Math.max(1, Number(search.get("page")) || 1),
    per_page: PER_PAGE,
    sort: search.get("sort") || "username",
    ...(role && (ROLES as readonly string[]).includes(role) ? { role: role as Role } : {}),
    ...(status === "active" || status === "inactive" ? { status } : {}),
    ...(search.get("q") ? { q: search.get("q")! } : {}),
  };
  const update = (changes: Record<string, string | null>, resetPage = true) =>
    setSearch(
      (old) => {
        const next = new URLSearchParams(old);
        for (const [k, val] of Object.entries(changes)) {
          if (val) next.set(k, val);
          else next.delete(k);
        }
        if (resetPage && !("page" in changes)) next.delete("page");
        return next;
      },
      { replace: true },
    );
  const [text, setText] = useState(params.q ?? "");
  const debounced = useDebounced(text.trim(), 300);
  useEffect(() => {
    if ((params.q ?? "") !== debounced) update({ q: debounced || null });
    // Only the settled text drives the URL.
  }, [debounced]);
  const users = useUsers(params);
  const filtered = Boolean(params.q || params.role || params.status);

  return (
    <>
      <PageHeader
        title="Users"
        description={users.data ? `${formatCount(users.data.total)} ${filtered ? "matching" : "in all"}` : undefined}
        actions={
          <Button onClick={() => setCreating(true)}>
            <Plus aria-hidden="true" />
            Add user
          </Button>
        }
      />
      <div role="search" className="mb-3 grid grid-cols-2 gap-2 lg:grid-cols-[minmax(12rem,1fr)_repeat(3,minmax(8rem,11rem))]">
        <div className="relative col-span-2 lg:col-span-1">
          <Label htmlFor="user-search" className="sr-only">
            Search users
          </Label>
          <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-muted-foreground" aria-hidden="true" />
          <Input
            id="user-search"
            type="search"
            placeholder="Search name or e-mail"
            className="pl-8"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div>
          <Label htmlFor="user-role" className="sr-only">
            Role
          </Label>
          <NativeSelect id="user-role" value={params.role ?? ""} onChange={(e) => update({ role: e.target.value || null })}>
            <option value="">All roles</option>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABEL[r]}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div>
          <Label htmlFor="user-status" className="sr-only">
            Status
          </Label>
          <NativeSelect id="user-status" value={params.status ?? ""} onChange={(e) => update({ status: e.target.value || null })}>
            <option value="">Active and deactivated</option>
            <option value="active">Active</option>
            <option value="inactive">Deactivated</option>
          </NativeSelect>
        </div>
        <div>
          <Label htmlFor="user-sort" className="sr-only">
            Sort by
          </Label>
          <NativeSelect
            id="user-sort"
            value={params.sort}
            onChange={(e) => update({ sort: e.target.value === "username" ? null : e.target.value })}
          >
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </NativeSelect>
        </div>
      </div>
      {users.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load users: {users.error.message}
        </p>
      ) : users.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading users">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} className="h-12" />
          ))}
        </div>
      ) : users.data.total === 0 ? (
        <EmptyState
          icon={filtered ? Search : Users}
          title={filtered ? "No users match" : "No users"}
          action={
            filtered ? (
              <Button
                variant="outline"
                onClick={() => {
                  setText("");
                  update({ q: null, role: null, status: null });
                }}
              >
                Clear filters
              </Button>
            ) : null
          }
        >
          {filtered ? "Try another name, or clear the filters." : "Add the people who watch and manage monitors."}
        </EmptyState>
      ) : (
        <div className={users.isPlaceholderData ? "opacity-70 transition-opacity" : undefined}>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Users, page {params.page}</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">User</TableHead>
                  <TableHead scope="col">Role</TableHead>
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Status
                  </TableHead>
                  <TableHead scope="col" className="hidden text-right md:table-cell">
                    Last sign-in
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {users.data.items.map((u) => (
                  <TableRow key={u.id}>
                    <TableCell className="max-w-0 min-w-44">
                      <Link to={`/users/${u.id}`} className="block truncate font-medium hover:underline">
                        {u.display_name || u.username}
                      </Link>
                      <span className="block truncate text-xs text-muted-foreground">
                        {u.username} · {u.email}
                      </span>
                    </TableCell>
                    <TableCell>{ROLE_LABEL[u.role]}</TableCell>
                    <TableCell className="hidden sm:table-cell">
                      <StatusPill status={u.status} />
                    </TableCell>
                    <TableCell className="hidden text-right md:table-cell">
                      <RelativeTime value={u.last_login_at} />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <Pagination
            page={params.page}
            perPage={PER_PAGE}
            total={users.data.total}
            onPage={(p) => update({ page: p > 1 ? String(p) : null }, false)}
            label="User pages"
          />
        </div>
      )}
      {creating ? <CreateUserDialog open={creating} onOpenChange={setCreating} /> : null}
    </>
  );
}
