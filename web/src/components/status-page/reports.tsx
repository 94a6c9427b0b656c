/** What visitors reported through the page's form, newest first, a page at a time. */
import { MessageSquareWarning } from "lucide-react";
import { useState } from "react";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { reasonLabel, type StatusPage } from "@/lib/status-pages";
import { usePageReports } from "@/queries/status-pages";

const PER_PAGE = 25;

export function PageReports({ page }: { page: StatusPage }) {
  const [n, setN] = useState(1);
  const reports = usePageReports(page.id, n, PER_PAGE);
  return (
    <section aria-labelledby="reports-heading" className="flex flex-col gap-3">
      <div>
        <h2 id="reports-heading" className="text-base font-semibold">
          Visitor reports
        </h2>
        <p className="text-sm text-muted-foreground">
          Problems visitors told you about through the form at the bottom of the page
          {page.report_channel_id ? "; each is also sent to the page's report channel." : "."}
        </p>
      </div>
      {reports.isPending ? (
        <Skeleton className="h-24" />
      ) : reports.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load the reports: {reports.error.message}
        </p>
      ) : reports.data.total === 0 ? (
        <div className="flex flex-col items-center gap-2 rounded-lg border border-dashed px-6 py-10 text-center">
          <MessageSquareWarning className="size-7 text-muted-foreground" aria-hidden="true" />
          <h3 className="font-medium">No reports yet</h3>
          <p className="max-w-md text-sm text-muted-foreground">
            When a visitor says something is not working, it shows here. Choose a channel in the page's settings to hear about
            reports as they come.
          </p>
        </div>
      ) : (
        <>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Visitor reports, newest first</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">When</TableHead>
                  <TableHead scope="col">Component</TableHead>
                  <TableHead scope="col">Problem</TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Details
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {reports.data.items.map((r) => (
                  <TableRow key={r.id}>
                    <TableCell className="whitespace-nowrap">
                      <RelativeTime value={r.created_at} />
                    </TableCell>
                    <TableCell className="max-w-40 truncate">{r.component_name ?? "A removed component"}</TableCell>
                    <TableCell>
                      {reasonLabel(r.reason)}
                      {r.message ? (
                        <span className="mt-0.5 block max-w-72 text-xs break-words text-muted-foreground md:hidden">
                          {r.message}
                        </span>
                      ) : null}
                    </TableCell>
                    <TableCell className="hidden max-w-96 text-sm break-words whitespace-pre-line md:table-cell">
                      {r.message ?? <span className="text-muted-foreground">—</span>}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <Pagination page={n} perPage={PER_PAGE} total={reports.data.total} onPage={setN} label="Report pages" />
        </>
      )}
    </section>
  );
}
