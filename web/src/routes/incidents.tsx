/**
 * Incidents: open and resolved, newest first, filtered by state, kind of monitor and
 * monitor (all kept in the URL), one server page at a time, kept current by live events.
 * Each links to its monitor, says how long it lasted (still counting while open) and
 * why, and editors acknowledge open ones from the list.
 */
import { Search, Siren } from "lucide-react";
import { Link, useSearchParams } from "react-router";
import type { Incident } from "@/api/types";
import { EmptyState } from "@/components/empty-state";
import { AckIncidentButton, IncidentDuration, IncidentStatusBadge } from "@/components/incident-status";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/cn";
import { formatCount } from "@/lib/format";
import { isMonitorKind, kindLabel, MONITOR_KINDS, monitorPath } from "@/lib/monitor-paths";
import { formatAbsolute } from "@/lib/time";
import { useIncidents, type IncidentListParams } from "@/queries/incidents";
import { canEdit, useUser } from "@/session/use-session";

const PER_PAGE = 50;

const STATES = [
  { value: "open", label: "Open" },
  { value: "resolved", label: "Resolved" },
  { value: "all", label: "All" },
] as const;

const SORTS = [
  { value: "-started_at", label: "Newest first" },
  { value: "started_at", label: "Oldest first" },
  { value: "-resolved_at", label: "Recently resolved" },
] as const;

function useIncidentParams() {
  const [search, setSearch] = useSearchParams();
  const state = search.get("state") ?? "open";
  const kind = search.get("kind");
  const monitor = search.get("monitor");
  const sort = search.get("sort");
  const params: IncidentListParams = {
    page: Math.max(1, Number(search.get("page")) || 1),
    per_page: PER_PAGE,
    sort: SORTS.some((s) => s.value === sort) ? sort! : "-started_at",
    ...(state === "open" || state === "resolved" ? { status: state } : {}),
    ...(isMonitorKind(kind) ? { target_type: kind } : {}),
    ...(monitor ? { target_id: monitor } : {}),
  };
  const update = (changes: Record<string, string | null>, resetPage = true) =>
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
  return { params, state, update };
}

function MonitorLink({ incident }: { incident: Incident }) {
  const to = monitorPath(incident.target_type, incident.target_id);
  return to ? (
    <Link to={to} className="font-medium underline-offset-2 hover:underline">
      {incident.target_name}
    </Link>
  ) : (
    <span className="font-medium">{incident.target_name}</span>
  );
}

function IncidentRow({ incident, editor }: { incident: Incident; editor: boolean }) {
  const open = incident.status === "open";
  return (
    <TableRow>
      <TableCell className="hidden w-32 pr-0 align-top sm:table-cell">
        <IncidentStatusBadge incident={incident} />
      </TableCell>
      <TableCell className="max-w-0 min-w-40 align-top">
        <IncidentStatusBadge incident={incident} className="mb-1 sm:hidden" />
        <MonitorLink incident={incident} />
        <span className="block text-xs text-muted-foreground">
          {kindLabel(incident.target_type)}
          {incident.group ? ` · ${incident.group}` : ""}
        </span>
        <p className="mt-1 text-sm wrap-anywhere">{incident.cause}</p>
        {incident.status === "resolved" && incident.last_message ? (
          <p className="text-xs wrap-anywhere text-muted-foreground">Recovered: {incident.last_message}</p>
        ) : null}
        <div className="mt-1 md:hidden">
          {incident.acknowledged_at ? (
            <span className="text-xs text-muted-foreground">
              Acknowledged <RelativeTime value={incident.acknowledged_at} />
            </span>
          ) : open && editor ? (
            <AckIncidentButton incident={incident} />
          ) : null}
        </div>
      </TableCell>
      <TableCell className="align-top whitespace-nowrap">
        <Link
          to={`/incidents/${incident.id}`}
          className="underline underline-offset-2"
          title={formatAbsolute(incident.started_at)}
        >
          <RelativeTime value={incident.started_at} />
          <span className="sr-only">: incident details</span>
        </Link>
        <span className="block text-xs text-muted-foreground">
          <IncidentDuration incident={incident} />
        </span>
      </TableCell>
      <TableCell className="hidden align-top md:table-cell">
        {incident.acknowledged_at ? (
          <span className="text-sm">
            Acknowledged <RelativeTime value={incident.acknowledged_at} />
          </span>
        ) : open && editor ? (
          <AckIncidentButton incident={incident} />
        ) : (
          <span className="text-sm text-muted-foreground">{open ? "Not acknowledged" : "—"}</span>
        )}
      </TableCell>
    </TableRow>
  );
}

export function Component() {
  const user = useUser();
  const editor = canEdit(user);
  const { params, state, update } = useIncidentParams();
  const incidents = useIncidents(params);
  const filtered = Boolean(params.target_type || params.target_id);
  const monitorName = params.target_id ? incidents.data?.items[0]?.target_name : undefined;

  return (
    <>
      <PageHeader
        title="Incidents"
        description={
          incidents.data
            ? `${formatCount(incidents.data.total)} ${state === "all" ? "in all" : state}${filtered ? ", filtered" : ""}`
            : "A monitor that goes down opens an incident; it resolves when the monitor recovers."
        }
      />

      <div role="search" className="mb-3 flex flex-col gap-2 sm:flex-row sm:flex-wrap sm:items-end">
        <div role="group" aria-label="State" className="flex w-fit rounded-md border p-0.5">
          {STATES.map((s) => (
            <button
              key={s.value}
              type="button"
              aria-pressed={state === s.value}
              onClick={() => update({ state: s.value === "open" ? null : s.value })}
              className={cn(
                "rounded-sm px-3 py-1.5 text-sm font-medium text-muted-foreground hover:text-foreground",
                state === s.value && "bg-primary text-primary-foreground hover:text-primary-foreground",
              )}
            >
              {s.label}
            </button>
          ))}
        </div>
        <div className="grid grid-cols-2 gap-2 sm:flex">
          <div>
            <Label htmlFor="incident-kind" className="sr-only">
              Kind of monitor
            </Label>
            <NativeSelect
              id="incident-kind"
              value={params.target_type ?? ""}
              onChange={(e) => update({ kind: e.target.value || null, monitor: null })}
              className="sm:w-44"
            >
              <option value="">All monitors</option>
              {MONITOR_KINDS.map((k) => (
                <option key={k} value={k}>
                  {kindLabel(k)}s
                </option>
              ))}
            </NativeSelect>
          </div>
          <div>
            <Label htmlFor="incident-sort" className="sr-only">
              Sort by
            </Label>
            <NativeSelect
              id="incident-sort"
              value={params.sort}
              onChange={(e) => update({ sort: e.target.value === "-started_at" ? null : e.target.value })}
              className="sm:w-44"
            >
              {SORTS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </NativeSelect>
          </div>
        </div>
        {params.target_id ? (
          <p className="flex flex-wrap items-center gap-2 text-sm">
            Only {monitorName ?? "one monitor"}
            <Button variant="outline" size="sm" onClick={() => update({ monitor: null })}>
              Show all monitors
            </Button>
          </p>
        ) : null}
      </div>

      {incidents.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load incidents: {incidents.error.message}
        </p>
      ) : incidents.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading incidents">
          {Array.from({ length: 5 }, (_, i) => (
            <Skeleton key={i} className="h-16" />
          ))}
        </div>
      ) : incidents.data.total === 0 ? (
        filtered || state !== "open" ? (
          <EmptyState
            icon={Search}
            title={state === "resolved" ? "No resolved incidents" : "No incidents match"}
            action={
              filtered || state !== "all" ? (
                <Button variant="outline" onClick={() => update({ kind: null, monitor: null, state: "all" })}>
                  Show all incidents
                </Button>
              ) : null
            }
          >
            {filtered ? "Nothing for these filters." : "Incidents show here once a monitor has gone down and recovered."}
          </EmptyState>
        ) : (
          <EmptyState
            icon={Siren}
            title="No open incidents"
            action={
              <Button variant="outline" onClick={() => update({ state: "all" })}>
                Show past incidents
              </Button>
            }
          >
            Everything monitored is up. When a monitor goes down an incident opens here, and alert rules tell the right people.
          </EmptyState>
        )
      ) : (
        <div className={incidents.isPlaceholderData ? "opacity-70 transition-opacity" : undefined}>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Incidents, page {params.page}</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Status
                  </TableHead>
                  <TableHead scope="col">Monitor and cause</TableHead>
                  <TableHead scope="col">Started</TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Acknowledged
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {incidents.data.items.map((incident) => (
                  <IncidentRow key={incident.id} incident={incident} editor={editor} />
                ))}
              </TableBody>
            </Table>
          </div>
          <Pagination
            page={params.page}
            perPage={PER_PAGE}
            total={incidents.data.total}
            onPage={(page) => update({ page: page > 1 ? String(page) : null }, false)}
            label="Incident pages"
          />
        </div>
      )}
    </>
  );
}
