/**
 * The instances list: one server page at a time, filtered and sorted by the server, rows
 * grouped under their group with the group's counts from `/summary`, each with how it
 * connects (push or pull), when the agent was last heard from, and its 24 h reachability
 * and sparkline from one `/sparklines` request for the page. Filters live in the URL.
 */
import { Cpu, Plus, Search } from "lucide-react";
import { Fragment, useMemo } from "react";
import { Link, useNavigate } from "react-router";
import type { Instance, Sparkline as SparklineData } from "@/api/types";
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
import { connectionText } from "@/lib/instance-form";
import { useInstances } from "@/queries/instances";
import { useSparklines } from "@/queries/sparklines";
import { canEdit, useUser } from "@/session/use-session";

const COLUMNS = 6;

function InstanceRow({
  instance,
  spark,
  loadingSpark,
}: {
  instance: Instance;
  spark: SparklineData | undefined;
  loadingSpark: boolean;
}) {
  return (
    <TableRow>
      <TableCell className="w-24 pr-0 sm:w-28">
        <StatusBadge status={instance.enabled ? instance.state.status : "paused"} />
      </TableCell>
      <TableCell className="max-w-0 min-w-40">
        <Link to={`/instances/${instance.id}`} className="block truncate font-medium hover:underline">
          {instance.name}
        </Link>
        <span className="block truncate font-mono text-xs text-muted-foreground">{instance.host}</span>
        <span className="block text-xs text-muted-foreground md:hidden">{connectionText(instance)}</span>
      </TableCell>
      <TableCell className="hidden text-sm md:table-cell">{connectionText(instance)}</TableCell>
      <TableCell className="hidden text-right whitespace-nowrap sm:table-cell">
        <RelativeTime value={instance.state.last_checked_at} />
      </TableCell>
      <TableCell className="text-right tabular-nums">
        {loadingSpark && !spark ? <Skeleton className="ml-auto h-4 w-14" /> : formatPct(spark?.uptime_pct)}
      </TableCell>
      <TableCell className="hidden lg:table-cell">
        {loadingSpark && !spark ? (
          <Skeleton className="h-7 w-[120px]" />
        ) : (
          <Sparkline points={spark?.points} label={`${instance.name} poll or report time, last 24 hours`} />
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
  const instances = useInstances(params);
  const groups = useGroupCounts("instance");
  const items = instances.data?.items;
  const ids = useMemo(() => (items ?? []).map((i) => i.id), [items]);
  const sparklines = useSparklines(ids);
  const grouped = useMemo(() => groupRows(items ?? []), [items]);
  const showGroupHeaders = grouped.length > 1 || (grouped.length === 1 && grouped[0]![0] !== "");
  const editor = canEdit(user);

  return (
    <>
      <PageHeader
        title="Instances"
        description={instances.data ? `${formatCount(instances.data.total)} ${filtered ? "matching" : "in all"}` : undefined}
        actions={
          editor ? (
            <Button asChild>
              <Link to="/instances/new">
                <Plus aria-hidden="true" />
                Add instance
              </Link>
            </Button>
          ) : null
        }
      />

      <MonitorFilters
        idPrefix="instance"
        noun="instances"
        params={params}
        update={update}
        groupNames={groups.names}
        searchText={text}
        onSearchText={setText}
      />

      {instances.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load instances: {instances.error.message}
        </p>
      ) : instances.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading instances">
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} className="h-12" />
          ))}
        </div>
      ) : instances.data.total === 0 ? (
        filtered ? (
          <EmptyState
            icon={Search}
            title="No instances match"
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
            icon={Cpu}
            title="No instances yet"
            action={
              editor ? (
                <Button onClick={() => navigate("/instances/new")}>
                  <Plus aria-hidden="true" />
                  Add your first instance
                </Button>
              ) : null
            }
          >
            {editor
              ? "Add a host, then run monitron-agent on it with the command Monitron shows: CPU, memory, disks, network and GPUs appear live."
              : "An editor or administrator adds the hosts Monitron watches; they will show here."}
          </EmptyState>
        )
      ) : (
        <div className={instances.isPlaceholderData ? "opacity-70 transition-opacity" : undefined}>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Instances, page {params.page}</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">Status</TableHead>
                  <TableHead scope="col">Name</TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Connection
                  </TableHead>
                  <TableHead scope="col" className="hidden text-right sm:table-cell">
                    Last seen
                  </TableHead>
                  <TableHead scope="col" className="text-right">
                    Uptime<span className="hidden sm:inline"> 24 h</span>
                  </TableHead>
                  <TableHead scope="col" className="hidden lg:table-cell">
                    Response time 24 h
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
                    {rows.map((instance) => (
                      <InstanceRow
                        key={instance.id}
                        instance={instance}
                        spark={sparklines.data?.get(instance.id)}
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
            total={instances.data.total}
            onPage={(page) => update({ page: page > 1 ? String(page) : null }, false)}
            label="Instances pages"
          />
          {sparklines.isError ? (
            <p className="text-xs text-muted-foreground">
              Uptime and response times could not be loaded: {sparklines.error.message}
            </p>
          ) : null}
        </div>
      )}
    </>
  );
}
