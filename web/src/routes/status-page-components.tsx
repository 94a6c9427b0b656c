/**
 * Components: the names under which services, domains and instances appear on status
 * pages, each with the monitor behind it and the pages that show it.
 */
import { Blocks, Pencil, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { ComponentDialog } from "@/components/status-page/component-dialog";
import { StatusPagesNav } from "@/components/status-page/status-pages-nav";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { errorText } from "@/lib/error-text";
import { formatCount } from "@/lib/format";
import { kindLabel, monitorPath } from "@/lib/monitor-paths";
import type { StatusComponent } from "@/lib/status-pages";
import { useComponents, useDeleteComponent, useStatusPages } from "@/queries/status-pages";
import { canEdit, useUser } from "@/session/use-session";

const PER_PAGE = 50;

function Target({ component }: { component: StatusComponent }) {
  const to = monitorPath(component.target_type, component.target_id);
  if (!component.target_name) return <span className="text-destructive-text">Its {component.target_type} was deleted</span>;
  return (
    <span className="flex min-w-0 flex-col">
      {to ? (
        <Link to={to} className="truncate hover:underline">
          {component.target_name}
        </Link>
      ) : (
        <span className="truncate">{component.target_name}</span>
      )}
      <span className="text-xs text-muted-foreground">
        {kindLabel(component.target_type)}
        {component.group ? ` · ${component.group}` : ""}
      </span>
    </span>
  );
}

function Pages({ ids, names }: { ids: string[]; names: Map<string, string> }) {
  if (ids.length === 0) return <span className="text-muted-foreground">On no page</span>;
  const known = ids.filter((id) => names.has(id));
  const others = ids.length - known.length;
  return (
    <ul className="flex flex-wrap gap-x-2 gap-y-0.5">
      {known.map((id) => (
        <li key={id}>
          <Link to={`/status-pages/${id}`} className="hover:underline">
            {names.get(id)}
          </Link>
        </li>
      ))}
      {others ? (
        <li className="text-muted-foreground">
          {known.length ? "and " : ""}
          {others} {others === 1 ? "page" : "pages"}
        </li>
      ) : null}
    </ul>
  );
}

export function Component() {
  const user = useUser();
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const components = useComponents(page, PER_PAGE);
  const pages = useStatusPages(1, 100);
  const remove = useDeleteComponent();
  const editor = canEdit(user);
  const [editing, setEditing] = useState<StatusComponent | "new" | null>(null);
  const [deleting, setDeleting] = useState<StatusComponent | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const pageNames = new Map((pages.data?.items ?? []).map((p) => [p.id, p.title]));

  const addButton = (label: string) => (
    <Button onClick={() => setEditing("new")}>
      <Plus aria-hidden="true" />
      {label}
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Status pages"
        description={
          components.data
            ? `${formatCount(components.data.total)} components`
            : "Services, domains and instances as visitors see them."
        }
        actions={editor ? addButton("Add component") : null}
      />
      <StatusPagesNav />
      {components.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load the components: {components.error.message}
        </p>
      ) : components.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading components">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} className="h-12" />
          ))}
        </div>
      ) : components.data.total === 0 ? (
        <EmptyState icon={Blocks} title="No components yet" action={editor ? addButton("Add your first component") : null}>
          {editor
            ? "A component shows a service, domain or instance on status pages under a name you choose, such as “Checkout” for the monitor shop-api-eu-1. Add one for each thing your users should see, then arrange them on a page."
            : "An editor or administrator adds the components status pages show."}
        </EmptyState>
      ) : (
        <>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Components</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">Display name</TableHead>
                  <TableHead scope="col">Shows</TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Pages
                  </TableHead>
                  {editor ? (
                    <TableHead scope="col">
                      <span className="sr-only">Actions</span>
                    </TableHead>
                  ) : null}
                </TableRow>
              </TableHeader>
              <TableBody>
                {components.data.items.map((c) => (
                  <TableRow key={c.id}>
                    <TableCell className="max-w-0 min-w-32">
                      <span className="block truncate font-medium">{c.display_name}</span>
                      {c.description ? (
                        <span className="block truncate text-xs text-muted-foreground">{c.description}</span>
                      ) : null}
                      <span className="block text-xs md:hidden">
                        <Pages ids={c.page_ids} names={pageNames} />
                      </span>
                    </TableCell>
                    <TableCell className="max-w-0 min-w-28">
                      <Target component={c} />
                    </TableCell>
                    <TableCell className="hidden md:table-cell">
                      <Pages ids={c.page_ids} names={pageNames} />
                    </TableCell>
                    {editor ? (
                      <TableCell className="text-right whitespace-nowrap">
                        <Button variant="ghost" size="sm" onClick={() => setEditing(c)} aria-label={`Edit ${c.display_name}`}>
                          <Pencil aria-hidden="true" />
                          <span className="hidden sm:inline">Edit</span>
                        </Button>
                        <Button
                          variant="ghost"
                          size="sm"
                          aria-label={`Delete ${c.display_name}`}
                          onClick={() => {
                            setDeleteError(null);
                            setDeleting(c);
                          }}
                        >
                          <Trash2 aria-hidden="true" />
                          <span className="hidden sm:inline">Delete</span>
                        </Button>
                      </TableCell>
                    ) : null}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <Pagination
            page={page}
            perPage={PER_PAGE}
            total={components.data.total}
            onPage={(n) => setSearch(n > 1 ? { page: String(n) } : {}, { replace: true })}
            label="Component pages"
          />
        </>
      )}
      {editing ? <ComponentDialog component={editing === "new" ? null : editing} onClose={() => setEditing(null)} /> : null}
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={`Delete ${deleting?.display_name ?? "component"}?`}
        description={
          deleting?.page_ids.length
            ? `It leaves the ${deleting.page_ids.length === 1 ? "page" : `${deleting.page_ids.length} pages`} that show it, with its history there. The monitor stays.`
            : "The monitor stays; only its name on status pages goes."
        }
        confirmLabel="Delete component"
        busy={remove.isPending}
        onConfirm={() => {
          if (!deleting) return;
          remove.mutate(deleting.id, {
            onSuccess: () => {
              toast("success", `Deleted ${deleting.display_name}`);
              setDeleting(null);
            },
            onError: (error) => setDeleteError(errorText(error, "This component")),
          });
        }}
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
