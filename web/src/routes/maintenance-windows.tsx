/**
 * Maintenance windows: each with its schedule in words, whether it is open now, and its
 * next occurrences (asked of the server when the row is opened).
 */
import { CalendarClock, ChevronDown, ChevronRight, Plus } from "lucide-react";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { StatusBadge } from "@/components/status-badge";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { formatCount } from "@/lib/format";
import { describeSchedule, type MaintenanceWindow } from "@/lib/schedule";
import { describeSelector } from "@/lib/selector";
import { formatAbsolute, formatDuration } from "@/lib/time";
import { useOccurrences, useWindows } from "@/queries/maintenance-windows";
import { canEdit, useUser } from "@/session/use-session";

const PER_PAGE = 50;
const AHEAD_DAYS = 90;

function Occurrences({ id }: { id: string }) {
  const occurrences = useOccurrences(id, AHEAD_DAYS);
  if (occurrences.isPending) return <Skeleton className="h-16" />;
  if (occurrences.isError) return <p className="text-sm text-destructive-text">{occurrences.error.message}</p>;
  const items = occurrences.data.slice(0, 10);
  if (items.length === 0) return <p className="text-sm text-muted-foreground">No occurrences in the next {AHEAD_DAYS} days.</p>;
  return (
    <ol className="flex flex-col gap-1 text-sm">
      {items.map((o) => (
        <li key={o.start} className="flex flex-wrap gap-x-2">
          <span>{formatAbsolute(o.start)}</span>
          <span className="text-muted-foreground">
            for {formatDuration((new Date(o.end).getTime() - new Date(o.start).getTime()) / 1000)} ·{" "}
            <RelativeTime value={o.start} />
          </span>
        </li>
      ))}
      {occurrences.data.length > items.length ? (
        <li className="text-xs text-muted-foreground">
          And {occurrences.data.length - items.length} more in the next {AHEAD_DAYS} days.
        </li>
      ) : null}
    </ol>
  );
}

function WindowItem({ window: w }: { window: MaintenanceWindow }) {
  const [open, setOpen] = useState(false);
  const panel = `window-${w.id}-occurrences`;
  return (
    <li className="flex flex-col gap-2 p-3">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <Link to={`/maintenance-windows/${w.id}`} className="font-medium hover:underline">
              {w.name}
            </Link>
            {w.open_now ? <StatusBadge status="maintenance" /> : null}
            {!w.active ? <Badge className="bg-paused-soft text-paused-text">Not in force</Badge> : null}
          </div>
          <p className="text-sm text-muted-foreground">
            {describeSchedule(w.schedule, w.timezone)}
            {w.schedule.type !== "once" ? ` (${w.timezone})` : ""} · {describeSelector(w.targets)}
          </p>
          <p className="text-sm">
            {w.open_now ? (
              <>
                Open now, until {formatAbsolute(w.open_now.end)} (<RelativeTime value={w.open_now.end} />)
              </>
            ) : w.next ? (
              <>
                Next: {formatAbsolute(w.next.start)} (<RelativeTime value={w.next.start} />)
              </>
            ) : (
              <span className="text-muted-foreground">No occurrence within a year.</span>
            )}
          </p>
        </div>
        <Button variant="ghost" size="sm" aria-expanded={open} aria-controls={panel} onClick={() => setOpen((o) => !o)}>
          {open ? <ChevronDown aria-hidden="true" /> : <ChevronRight aria-hidden="true" />}
          Next occurrences
        </Button>
      </div>
      {open ? (
        <div id={panel} className="rounded-md bg-muted/50 p-3">
          <Occurrences id={w.id} />
        </div>
      ) : null}
    </li>
  );
}

export function Component() {
  const user = useUser();
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const windows = useWindows(page, PER_PAGE);
  const editor = canEdit(user);

  return (
    <>
      <PageHeader
        title="Maintenance windows"
        description={windows.data ? `${formatCount(windows.data.total)} in all` : "Planned work that should not alert."}
        actions={
          editor ? (
            <Button asChild>
              <Link to="/maintenance-windows/new">
                <Plus aria-hidden="true" />
                Add window
              </Link>
            </Button>
          ) : null
        }
      />
      {windows.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load the windows: {windows.error.message}
        </p>
      ) : windows.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading windows">
          {[0, 1].map((i) => (
            <Skeleton key={i} className="h-16" />
          ))}
        </div>
      ) : windows.data.total === 0 ? (
        <EmptyState
          icon={CalendarClock}
          title="No maintenance windows"
          action={
            editor ? (
              <Button asChild>
                <Link to="/maintenance-windows/new">
                  <Plus aria-hidden="true" />
                  Plan a window
                </Link>
              </Button>
            ) : null
          }
        >
          Plan upgrades and backups as windows: their monitors show Maintenance and open no incidents or alerts while they last.
        </EmptyState>
      ) : (
        <>
          <ul className="divide-y rounded-lg border" aria-label="Maintenance windows">
            {windows.data.items.map((w) => (
              <WindowItem key={w.id} window={w} />
            ))}
          </ul>
          <Pagination
            page={page}
            perPage={PER_PAGE}
            total={windows.data.total}
            onPage={(n) => setSearch(n > 1 ? { page: String(n) } : {}, { replace: true })}
            label="Window pages"
          />
        </>
      )}
    </>
  );
}
