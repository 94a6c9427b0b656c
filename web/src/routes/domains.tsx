/**
 * The domains list: one server page at a time, filtered and sorted by the server, rows
 * grouped under their group with the group's counts from `/summary`, each with its
 * registration and certificate days left, and its 24 h uptime and lookup-time sparkline
 * from one `/sparklines` request for the page. Filters live in the URL.
 */
import { Globe, Plus, Search } from "lucide-react";
import { Fragment, useMemo } from "react";
import { Link, useNavigate } from "react-router";
import type { Domain, Sparkline as SparklineData } from "@/api/types";
import { certificateOf, DaysLeft, DomainStatusBadge } from "@/components/domain-status";
import { EmptyState } from "@/components/empty-state";
import {
  GroupCounts,
  groupRows,
  MonitorFilters,
  PER_PAGE,
  useGroupCounts,
  useMonitorListParams,
  useSearchText,
} from "@/components/monitor-list";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { Sparkline } from "@/components/sparkline";
import { StatusBadge } from "@/components/status-badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatCount, formatPct } from "@/lib/format";
import { useDomains } from "@/queries/domains";
import { useSparklines } from "@/queries/sparklines";
import { canEdit, useUser } from "@/session/use-session";

const COLUMNS = 7;

function DomainRow({ domain, spark, loadingSpark }: { domain: Domain; spark: SparklineData | undefined; loadingSpark: boolean }) {
  const details = domain.details;
  const cert = domain.check_ssl ? certificateOf(details?.ssl) : null;
  const thresholds = { warning: domain.warning_threshold_days, critical: domain.expiry_threshold_days };
  return (
    <TableRow>
      <TableCell className="w-24 pr-0 sm:w-28">
        <StatusBadge status={domain.enabled ? domain.state.status : "paused"} />
      </TableCell>
      <TableCell className="max-w-0 min-w-40">
        <Link to={`/domains/${domain.id}`} className="block truncate font-medium hover:underline">
          {domain.name}
        </Link>
        {domain.name !== domain.domain ? (
          <span className="block truncate font-mono text-xs text-muted-foreground">{domain.domain}</span>
        ) : null}
        <span className="mt-0.5 flex flex-wrap items-center gap-x-2 text-xs md:hidden">
          <DomainStatusBadge status={domain.status} />
          <DaysLeft days={details?.days_left} {...thresholds} />
        </span>
      </TableCell>
      <TableCell className="hidden md:table-cell">
        <DomainStatusBadge status={domain.status} />
      </TableCell>
      <TableCell className="hidden text-right whitespace-nowrap md:table-cell">
        <DaysLeft days={details?.days_left} {...thresholds} />
        {details?.expires_at ? (
          <span className="block text-xs text-muted-foreground">
            <RelativeTime value={details.expires_at} />
          </span>
        ) : null}
      </TableCell>
      <TableCell className="hidden text-right whitespace-nowrap lg:table-cell">
        {domain.check_ssl ? (
          <DaysLeft days={cert?.days_left} {...thresholds} />
        ) : (
          <span className="text-xs text-muted-foreground">Not checked</span>
        )}
      </TableCell>
      <TableCell className="text-right tabular-nums">
        {loadingSpark && !spark ? <Skeleton className="ml-auto h-4 w-14" /> : formatPct(spark?.uptime_pct)}
      </TableCell>
      <TableCell className="hidden xl:table-cell">
        {loadingSpark && !spark ? (
          <Skeleton className="h-7 w-[120px]" />
        ) : (
          <Sparkline points={spark?.points} label={`${domain.name} lookup time, last 24 hours`} />
        )}
      </TableCell>
    </TableRow>
  );
}

export function Component() {
  const user = useUser();
  const navigate = useNavigate();
  const { params, update, filtered } = useMonitorListParams();
  const [text, setText] = useSearchText(params.q, update);
  const domains = useDomains(params);
  const groups = useGroupCounts("domain");
  const items = domains.data?.items;
  const ids = useMemo(() => (items ?? []).map((d) => d.id), [items]);
  const sparklines = useSparklines(ids);
  const grouped = useMemo(() => groupRows(items ?? []), [items]);
  const showGroupHeaders = grouped.length > 1 || (grouped.length === 1 && grouped[0]![0] !== "");
  const editor = canEdit(user);

  return (
    <>
      <PageHeader
        title="Domains"
        description={domains.data ? `${formatCount(domains.data.total)} ${filtered ? "matching" : "in all"}` : undefined}
        actions={
          editor ? (
            <Button asChild>
              <Link to="/domains/new">
                <Plus aria-hidden="true" />
                Add domain
              </Link>
            </Button>
          ) : null
        }
      />

      <MonitorFilters
        idPrefix="domain"
        noun="domains"
        params={params}
        update={update}
        groupNames={groups.names}
        searchText={text}
        onSearchText={setText}
      />

      {domains.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load domains: {domains.error.message}
        </p>
      ) : domains.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading domains">
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} className="h-12" />
          ))}
        </div>
      ) : domains.data.total === 0 ? (
        filtered ? (
          <EmptyState
            icon={Search}
            title="No domains match"
            action={
              <Button
                variant="outline"
                onClick={() => {
                  setText("");
                  update({ q: null, status: null, group: null });
                }}
              >
                Clear filters
              </Button>
            }
          >
            Try another name, or clear the filters.
          </EmptyState>
        ) : (
          <EmptyState
            icon={Globe}
            title="No domains yet"
            action={
              editor ? (
                <Button onClick={() => navigate("/domains/new")}>
                  <Plus aria-hidden="true" />
                  Add your first domain
                </Button>
              ) : null
            }
          >
            {editor
              ? "Add a domain and Monitron warns you before its registration or its certificate expires."
              : "An editor or administrator adds the domains Monitron watches; they will show here."}
          </EmptyState>
        )
      ) : (
        <div className={domains.isPlaceholderData ? "opacity-70 transition-opacity" : undefined}>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Domains, page {params.page}</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">Status</TableHead>
                  <TableHead scope="col">Name</TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Expiry
                  </TableHead>
                  <TableHead scope="col" className="hidden text-right md:table-cell">
                    Registration
                  </TableHead>
                  <TableHead scope="col" className="hidden text-right lg:table-cell">
                    Certificate
                  </TableHead>
                  <TableHead scope="col" className="text-right">
                    Uptime<span className="hidden sm:inline"> 24 h</span>
                  </TableHead>
                  <TableHead scope="col" className="hidden xl:table-cell">
                    Lookup time 24 h
                  </TableHead>
                </TableRow>
              </TableHeader>
              {grouped.map(([group, rows]) => (
                <Fragment key={group || "(none)"}>
                  <TableBody>
                    {showGroupHeaders ? (
                      <TableRow className="bg-muted/50 hover:bg-muted/50">
                        <TableHead scope="colgroup" colSpan={COLUMNS} className="h-auto py-2 text-foreground">
                          <span className="flex flex-wrap items-center gap-x-4 gap-y-1">
                            <span className="text-sm font-semibold">{group || "No group"}</span>
                            <GroupCounts counts={groups.counts.get(group)} />
                          </span>
                        </TableHead>
                      </TableRow>
                    ) : null}
                    {rows.map((domain) => (
                      <DomainRow
                        key={domain.id}
                        domain={domain}
                        spark={sparklines.data?.get(domain.id)}
                        loadingSpark={sparklines.isPending}
                      />
                    ))}
                  </TableBody>
                </Fragment>
              ))}
            </Table>
          </div>
          <Pagination
            page={params.page}
            perPage={PER_PAGE}
            total={domains.data.total}
            onPage={(page) => update({ page: page > 1 ? String(page) : null }, false)}
            label="Domains pages"
          />
          {sparklines.isError ? (
            <p className="text-xs text-muted-foreground">
              Uptime and lookup times could not be loaded: {sparklines.error.message}
            </p>
          ) : null}
        </div>
      )}
    </>
  );
}
