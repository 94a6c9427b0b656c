/**
 * The services list: one server page at a time (never all services), filtered and sorted
 * by the server, rows grouped under their group with the group's counts from `/summary`,
 * and each row's 24 h uptime and response-time sparkline from one `/sparklines` request
 * for the page. Filters live in the URL, so a view can be bookmarked and shared.
 */
import { Plus, Search, Server } from "lucide-react";
import { Fragment, useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { Counts, Service, Sparkline as SparklineData } from "@/api/types";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { Sparkline } from "@/components/sparkline";
import { StatusBadge, StatusDot, statusLabel } from "@/components/status-badge";
import { Button } from "@/components/ui/button";
import { Input, NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { CHECK_TYPES, checkTypeLabel, describeTarget } from "@/lib/check-types";
import { formatCount, formatMs, formatPct } from "@/lib/format";
import { useDebounced } from "@/lib/use-debounced";
import { MONITOR_STATUSES, type MonitorListParams, type MonitorStatus } from "@/queries/monitors";
import { useServices } from "@/queries/services";
import { useSparklines } from "@/queries/sparklines";
import { useSummary } from "@/queries/summary";
import { canEdit, useUser } from "@/session/use-session";

const PER_PAGE = 50;

const SORTS = [
  { value: "name", label: "Name (A–Z)" },
  { value: "-name", label: "Name (Z–A)" },
  { value: "type", label: "Type" },
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
  { value: "-updated_at", label: "Recently changed" },
] as const;

function useListParams() {
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const status = search.get("status");
  const params: MonitorListParams = {
    page,
    per_page: PER_PAGE,
    sort: search.get("sort") || "name",
    ...(search.get("q") ? { q: search.get("q")! } : {}),
    ...(search.get("group") ? { group: search.get("group")! } : {}),
    ...(status && (MONITOR_STATUSES as readonly string[]).includes(status) ? { status: status as MonitorStatus } : {}),
    ...(search.get("type") ? { type: search.get("type")! } : {}),
  };
  const update = (changes: Record<string, string | null>, resetPage = true) => {
    setSearch(
      (old) => {
        const next = new URLSearchParams(old);
        for (const [key, value] of Object.entries(changes)) {
          if (value) next.set(key, value);
          else next.delete(key);
        }
        if (resetPage && !("page" in changes)) next.delete("page");
        return next;
      },
      { replace: true },
    );
  };
  return { params, update };
}

function GroupCounts({ counts }: { counts: Counts | undefined }) {
  if (!counts) return null;
  const parts = (["down", "pending", "maintenance", "paused"] as const).filter((s) => counts[s] > 0);
  return (
    <span className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs font-normal text-muted-foreground">
      <span>{formatCount(counts.total)} in all</span>
      <span className="flex items-center gap-1">
        <StatusDot status="up" />
        {formatCount(counts.up)} up
      </span>
      {parts.map((s) => (
        <span key={s} className="flex items-center gap-1">
          <StatusDot status={s} />
          {formatCount(counts[s])} {statusLabel(s).toLowerCase()}
        </span>
      ))}
    </span>
  );
}

function ServiceRow({
  service,
  spark,
  loadingSpark,
}: {
  service: Service;
  spark: SparklineData | undefined;
  loadingSpark: boolean;
}) {
  const target = describeTarget(service.type, service.config as Record<string, unknown>);
  return (
    <TableRow>
      <TableCell className="w-24 pr-0 sm:w-28">
        <StatusBadge status={service.enabled ? service.state.status : "paused"} />
      </TableCell>
      <TableCell className="max-w-0 min-w-40">
        <Link to={`/services/${service.id}`} className="block truncate font-medium hover:underline">
          {service.name}
        </Link>
        {target ? <span className="block truncate text-xs text-muted-foreground">{target}</span> : null}
      </TableCell>
      <TableCell className="hidden text-muted-foreground md:table-cell">{checkTypeLabel(service.type)}</TableCell>
      <TableCell className="text-right tabular-nums">
        {loadingSpark && !spark ? <Skeleton className="ml-auto h-4 w-14" /> : formatPct(spark?.uptime_pct)}
      </TableCell>
      <TableCell className="hidden sm:table-cell">
        {loadingSpark && !spark ? (
          <Skeleton className="h-7 w-[120px]" />
        ) : (
          <Sparkline points={spark?.points} label={`${service.name} response time, last 24 hours`} />
        )}
      </TableCell>
      <TableCell className="hidden text-right whitespace-nowrap lg:table-cell">
        <RelativeTime value={service.state.last_checked_at} />
        {service.state.last_response_ms !== null && service.state.last_response_ms !== undefined ? (
          <span className="block text-xs text-muted-foreground">{formatMs(service.state.last_response_ms)}</span>
        ) : null}
      </TableCell>
    </TableRow>
  );
}

export function Component() {
  const user = useUser();
  const navigate = useNavigate();
  const { params, update } = useListParams();
  const [text, setText] = useState(params.q ?? "");
  const debounced = useDebounced(text, 300);
  useEffect(() => {
    if ((params.q ?? "") !== debounced.trim()) update({ q: debounced.trim() || null });
    // Only the settled text drives the URL.
  }, [debounced]);

  const services = useServices(params);
  const summary = useSummary();
  const items = services.data?.items;
  const ids = useMemo(() => (items ?? []).map((s) => s.id), [items]);
  const sparklines = useSparklines(ids);

  const groupCounts = useMemo(() => {
    const map = new Map<string, Counts>();
    for (const g of summary.data?.groups ?? []) if (g.kind === "service") map.set(g.group ?? "", g.counts);
    return map;
  }, [summary.data]);
  const groupNames = useMemo(() => [...groupCounts.keys()].filter(Boolean).sort((a, b) => a.localeCompare(b)), [groupCounts]);

  // Rows of the page under their group: groups by name, services without one last.
  const grouped = useMemo(() => {
    const out = new Map<string, Service[]>();
    for (const s of items ?? []) {
      const key = s.group ?? "";
      const list = out.get(key) ?? [];
      list.push(s);
      out.set(key, list);
    }
    return [...out.entries()].sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)));
  }, [items]);
  const showGroupHeaders = grouped.length > 1 || (grouped.length === 1 && grouped[0]![0] !== "");

  const filtered = Boolean(params.q || params.group || params.status || params.type);
  const editor = canEdit(user);

  return (
    <>
      <PageHeader
        title="Services"
        description={services.data ? `${formatCount(services.data.total)} ${filtered ? "matching" : "in all"}` : undefined}
        actions={
          editor ? (
            <Button asChild>
              <Link to="/services/new">
                <Plus aria-hidden="true" />
                Add service
              </Link>
            </Button>
          ) : null
        }
      />

      <div role="search" className="mb-3 grid grid-cols-2 gap-2 lg:grid-cols-[minmax(12rem,1fr)_repeat(4,minmax(8rem,11rem))]">
        <div className="relative col-span-2 lg:col-span-1">
          <Label htmlFor="service-search" className="sr-only">
            Search services by name
          </Label>
          <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-muted-foreground" aria-hidden="true" />
          <Input
            id="service-search"
            type="search"
            placeholder="Search by name"
            className="pl-8"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div>
          <Label htmlFor="service-status" className="sr-only">
            Status
          </Label>
          <NativeSelect
            id="service-status"
            value={params.status ?? ""}
            onChange={(e) => update({ status: e.target.value || null })}
          >
            <option value="">All statuses</option>
            {MONITOR_STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div>
          <Label htmlFor="service-group" className="sr-only">
            Group
          </Label>
          <NativeSelect id="service-group" value={params.group ?? ""} onChange={(e) => update({ group: e.target.value || null })}>
            <option value="">All groups</option>
            {groupNames.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
            {params.group && !groupNames.includes(params.group) ? <option value={params.group}>{params.group}</option> : null}
          </NativeSelect>
        </div>
        <div>
          <Label htmlFor="service-type" className="sr-only">
            Check type
          </Label>
          <NativeSelect id="service-type" value={params.type ?? ""} onChange={(e) => update({ type: e.target.value || null })}>
            <option value="">All types</option>
            {CHECK_TYPES.map((t) => (
              <option key={t} value={t}>
                {checkTypeLabel(t)}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div>
          <Label htmlFor="service-sort" className="sr-only">
            Sort by
          </Label>
          <NativeSelect
            id="service-sort"
            value={params.sort}
            onChange={(e) => update({ sort: e.target.value === "name" ? null : e.target.value })}
          >
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </NativeSelect>
        </div>
      </div>

      {services.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load services: {services.error.message}
        </p>
      ) : services.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading services">
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} className="h-12" />
          ))}
        </div>
      ) : services.data.total === 0 ? (
        filtered ? (
          <EmptyState
            icon={Search}
            title="No services match"
            action={
              <Button
                variant="outline"
                onClick={() => {
                  setText("");
                  update({ q: null, status: null, group: null, type: null });
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
            icon={Server}
            title="No services yet"
            action={
              editor ? (
                <Button onClick={() => navigate("/services/new")}>
                  <Plus aria-hidden="true" />
                  Add your first service
                </Button>
              ) : null
            }
          >
            Services are websites, APIs, ports, DNS names and cron jobs that Monitron checks on a schedule.
          </EmptyState>
        )
      ) : (
        <div className={services.isPlaceholderData ? "opacity-70 transition-opacity" : undefined}>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Services, page {params.page}</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">Status</TableHead>
                  <TableHead scope="col">Name</TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Type
                  </TableHead>
                  <TableHead scope="col" className="text-right">
                    Uptime<span className="hidden sm:inline"> 24 h</span>
                  </TableHead>
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Response time 24 h
                  </TableHead>
                  <TableHead scope="col" className="hidden text-right lg:table-cell">
                    Last check
                  </TableHead>
                </TableRow>
              </TableHeader>
              {grouped.map(([group, rows]) => (
                <Fragment key={group || "(none)"}>
                  <TableBody>
                    {showGroupHeaders ? (
                      <TableRow className="bg-muted/50 hover:bg-muted/50">
                        <TableHead scope="colgroup" colSpan={6} className="h-auto py-2 text-foreground">
                          <span className="flex flex-wrap items-center gap-x-4 gap-y-1">
                            <span className="text-sm font-semibold">{group || "No group"}</span>
                            <GroupCounts counts={groupCounts.get(group)} />
                          </span>
                        </TableHead>
                      </TableRow>
                    ) : null}
                    {rows.map((service) => (
                      <ServiceRow
                        key={service.id}
                        service={service}
                        spark={sparklines.data?.get(service.id)}
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
            total={services.data.total}
            onPage={(page) => update({ page: page > 1 ? String(page) : null }, false)}
            label="Services pages"
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
