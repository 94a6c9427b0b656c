/**
 * Status pages: each with its address, who may open it, how many components it shows and
 * how many people subscribed, and a link to open it as visitors see it.
 */
import { Globe2, Plus } from "lucide-react";
import { Link, useSearchParams } from "react-router";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { OpenPageLink, VisibilityBadge } from "@/components/status-page/page-links";
import { StatusPagesNav } from "@/components/status-page/status-pages-nav";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatCount } from "@/lib/format";
import { componentIdsOf } from "@/lib/status-pages";
import { useStatusPages } from "@/queries/status-pages";
import { canEdit, useUser } from "@/session/use-session";

const PER_PAGE = 50;

export function Component() {
  const user = useUser();
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const pages = useStatusPages(page, PER_PAGE);
  const editor = canEdit(user);

  return (
    <>
      <PageHeader
        title="Status pages"
        description={pages.data ? `${formatCount(pages.data.total)} in all` : "What your users see of your services."}
        actions={
          editor ? (
            <Button asChild>
              <Link to="/status-pages/new">
                <Plus aria-hidden="true" />
                New status page
              </Link>
            </Button>
          ) : null
        }
      />
      <StatusPagesNav />
      {pages.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load the status pages: {pages.error.message}
        </p>
      ) : pages.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading status pages">
          {[0, 1].map((i) => (
            <Skeleton key={i} className="h-12" />
          ))}
        </div>
      ) : pages.data.total === 0 ? (
        <EmptyState
          icon={Globe2}
          title="No status pages yet"
          action={
            editor ? (
              <div className="flex flex-wrap justify-center gap-2">
                <Button asChild>
                  <Link to="/status-pages/new">
                    <Plus aria-hidden="true" />
                    New status page
                  </Link>
                </Button>
                <Button variant="outline" asChild>
                  <Link to="/status-pages/components">Add components</Link>
                </Button>
              </div>
            ) : null
          }
        >
          {editor
            ? "A status page tells your users how your services are doing, under names you choose. Add components for the services, domains and instances to show, then arrange them on a page."
            : "An editor or administrator publishes status pages for your users."}
        </EmptyState>
      ) : (
        <>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Status pages</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">Page</TableHead>
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Visibility
                  </TableHead>
                  <TableHead scope="col" className="hidden text-right md:table-cell">
                    Components
                  </TableHead>
                  <TableHead scope="col" className="hidden text-right md:table-cell">
                    Subscribers
                  </TableHead>
                  <TableHead scope="col">
                    <span className="sr-only">Public page</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {pages.data.items.map((p) => {
                  const components = componentIdsOf(p.sections).length;
                  return (
                    <TableRow key={p.id}>
                      <TableCell className="max-w-0 min-w-40">
                        <Link to={`/status-pages/${p.id}`} className="block truncate font-medium hover:underline">
                          {p.title}
                        </Link>
                        <span className="block truncate font-mono text-xs text-muted-foreground">/status/{p.slug}</span>
                        <span className="mt-1 flex flex-wrap items-center gap-x-2 text-xs text-muted-foreground sm:hidden">
                          <VisibilityBadge visibility={p.visibility} />
                          {formatCount(components)} components · {formatCount(p.subscribers)} subscribers
                        </span>
                      </TableCell>
                      <TableCell className="hidden sm:table-cell">
                        <VisibilityBadge visibility={p.visibility} />
                      </TableCell>
                      <TableCell className="hidden text-right tabular-nums md:table-cell">{formatCount(components)}</TableCell>
                      <TableCell className="hidden text-right tabular-nums md:table-cell">{formatCount(p.subscribers)}</TableCell>
                      <TableCell className="text-right">
                        <OpenPageLink page={p} />
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </div>
          <Pagination
            page={page}
            perPage={PER_PAGE}
            total={pages.data.total}
            onPage={(n) => setSearch(n > 1 ? { page: String(n) } : {}, { replace: true })}
            label="Status page pages"
          />
        </>
      )}
    </>
  );
}
