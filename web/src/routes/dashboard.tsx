/**
 * The dashboard: how many services, domains and instances are in each status, the open
 * incidents and the firing alerts, kept current by live events, and what visitors of the
 * status pages reported in the last day.
 */
import { Activity, CheckCircle2, MessageSquareWarning, Plus, Server } from "lucide-react";
import { Fragment, lazy, Suspense, type ReactNode } from "react";
import { Link } from "react-router";
import type { Alert, Counts, Incident } from "@/api/types";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { RelativeTime } from "@/components/relative-time";
import { SeverityBadge } from "@/components/severity-badge";
import { StatusDot } from "@/components/status-badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { formatCount } from "@/lib/format";
import { monitorPath } from "@/lib/monitor-paths";
import { reasonLabel } from "@/lib/status-pages";
import { formatDuration } from "@/lib/time";
import { useAlerts } from "@/queries/alerts";
import { useIncidents } from "@/queries/incidents";
import type { MonitorStatus } from "@/queries/monitors";
import { useRecentReports, useStatusPages } from "@/queries/status-pages";
import { useSummary } from "@/queries/summary";
import { canEdit, useUser } from "@/session/use-session";

// Only when a channel is failing does this matter: its code loads after the dashboard.
const DeliveryFailingBanner = lazy(() => import("@/components/delivery-failing-banner"));

const ORDER: { status: MonitorStatus; label: string }[] = [
  { status: "up", label: "Up" },
  { status: "down", label: "Down" },
  { status: "pending", label: "Pending" },
  { status: "maintenance", label: "Maintenance" },
  { status: "paused", label: "Paused" },
];

function CountsCard({ title, counts, listPath }: { title: string; counts: Counts; listPath?: string }) {
  return (
    <Card>
      <CardHeader className="flex-row items-baseline justify-between">
        <CardTitle>
          {listPath ? (
            <Link to={listPath} className="hover:underline">
              {title}
            </Link>
          ) : (
            title
          )}
        </CardTitle>
        <span className="text-2xl font-semibold tabular-nums">{formatCount(counts.total)}</span>
      </CardHeader>
      <CardContent>
        <ul className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
          {ORDER.map(({ status, label }) => {
            const n = counts[status];
            const content = (
              <>
                <StatusDot status={status} />
                <span className="text-muted-foreground">{label}</span>
                <span className="ml-auto font-medium tabular-nums">{formatCount(n)}</span>
              </>
            );
            return (
              <li key={status}>
                {listPath && n > 0 ? (
                  <Link to={`${listPath}?status=${status}`} className="flex items-center gap-2 rounded-sm hover:underline">
                    {content}
                  </Link>
                ) : (
                  <span className="flex items-center gap-2">{content}</span>
                )}
              </li>
            );
          })}
        </ul>
      </CardContent>
    </Card>
  );
}

function TargetName({ type, id, name }: { type: string; id: string; name: string }) {
  const to = monitorPath(type, id);
  return to ? (
    <Link to={to} className="font-medium hover:underline">
      {name}
    </Link>
  ) : (
    <span className="font-medium">{name}</span>
  );
}

function IncidentRow({ incident }: { incident: Incident }) {
  return (
    <li className="flex flex-col gap-0.5 py-2">
      <div className="flex flex-wrap items-center gap-2">
        <StatusDot status="down" />
        <TargetName type={incident.target_type} id={incident.target_id} name={incident.target_name} />
        <span className="text-xs text-muted-foreground capitalize">{incident.target_type}</span>
        {incident.acknowledged_at ? <span className="text-xs text-muted-foreground">· acknowledged</span> : null}
      </div>
      <p className="text-sm text-muted-foreground break-words">{incident.cause}</p>
      <p className="text-xs text-muted-foreground">
        Started <RelativeTime value={incident.started_at} /> · down for {formatDuration(incident.duration_s)}
      </p>
    </li>
  );
}

function AlertRow({ alert }: { alert: Alert }) {
  return (
    <li className="flex flex-col gap-0.5 py-2">
      <div className="flex flex-wrap items-center gap-2">
        <SeverityBadge severity={alert.severity} />
        <TargetName type={alert.target_type} id={alert.target_id} name={alert.target_name} />
        {alert.subject ? <span className="text-xs text-muted-foreground">{alert.subject}</span> : null}
      </div>
      <p className="text-sm break-words">{alert.message}</p>
      <p className="text-xs text-muted-foreground">
        {alert.rule_name} · firing since <RelativeTime value={alert.fired_at ?? alert.started_at} />
        {alert.acknowledged_at ? " · acknowledged" : ""}
      </p>
    </li>
  );
}

function ListCard<T extends { id: string }>({
  title,
  listPath,
  total,
  query,
  render,
  empty,
}: {
  title: string;
  listPath: string;
  total: number | undefined;
  query: { data?: { items: T[]; total: number } | undefined; isPending: boolean; isError: boolean; error: Error | null };
  render: (item: T) => ReactNode;
  empty: string;
}) {
  const count = total ?? query.data?.total;
  const items = query.data?.items ?? [];
  return (
    <Card>
      <CardHeader className="flex-row items-baseline justify-between">
        <CardTitle>
          <Link to={listPath} className="hover:underline">
            {title}
          </Link>
        </CardTitle>
        {count !== undefined ? <span className="text-sm font-medium tabular-nums">{formatCount(count)}</span> : null}
      </CardHeader>
      <CardContent>
        {query.isPending ? (
          <div className="flex flex-col gap-2">
            <Skeleton className="h-10" />
            <Skeleton className="h-10" />
          </div>
        ) : query.isError ? (
          <p className="text-sm text-destructive-text">{query.error?.message}</p>
        ) : items.length === 0 ? (
          <p className="flex items-center gap-2 text-sm text-muted-foreground">
            <CheckCircle2 className="size-4 text-up" aria-hidden="true" />
            {empty}
          </p>
        ) : (
          <>
            <ul className="divide-y">
              {items.map((item) => (
                <Fragment key={item.id}>{render(item)}</Fragment>
              ))}
            </ul>
            {count !== undefined && count > items.length ? (
              <p className="pt-2 text-xs text-muted-foreground">
                Showing the newest {items.length} of {formatCount(count)}.
              </p>
            ) : null}
          </>
        )}
      </CardContent>
    </Card>
  );
}

/** Visitor reports of the last 24 hours on every status page; absent while there are no pages. */
function VisitorReportsCard() {
  const pages = useStatusPages(1, 1);
  const reports = useRecentReports(24, 5);
  if (!pages.data || pages.data.total === 0) return null;
  const items = reports.data?.items ?? [];
  const total = reports.data?.total;
  return (
    <Card>
      <CardHeader className="flex-row items-baseline justify-between">
        <CardTitle>
          <Link to="/status-pages" className="hover:underline">
            Visitor reports
          </Link>
        </CardTitle>
        {total !== undefined ? (
          <span className="text-sm font-medium tabular-nums">
            {formatCount(total)} <span className="font-normal text-muted-foreground">in 24 h</span>
          </span>
        ) : null}
      </CardHeader>
      <CardContent>
        {reports.isPending ? (
          <Skeleton className="h-10" />
        ) : reports.isError ? (
          <p className="text-sm text-destructive-text">{reports.error.message}</p>
        ) : items.length === 0 ? (
          <p className="flex items-center gap-2 text-sm text-muted-foreground">
            <CheckCircle2 className="size-4 text-up" aria-hidden="true" />
            No visitor reported a problem in the last 24 hours.
          </p>
        ) : (
          <>
            <ul className="divide-y" aria-label="Latest visitor reports">
              {items.map((r) => (
                <li key={r.id} className="flex flex-col gap-0.5 py-2">
                  <div className="flex flex-wrap items-center gap-2">
                    <MessageSquareWarning className="size-4 text-pending" aria-hidden="true" />
                    <span className="font-medium">{r.component_name ?? "A removed component"}</span>
                    <span className="text-sm">{reasonLabel(r.reason)}</span>
                  </div>
                  {r.message ? <p className="text-sm break-words text-muted-foreground">{r.message}</p> : null}
                  <p className="text-xs text-muted-foreground">
                    <Link to={`/status-pages/${r.page_id}/reports`} className="hover:underline">
                      {r.page_title ?? (r.page_slug ? `/status/${r.page_slug}` : "Its status page")}
                    </Link>{" "}
                    · <RelativeTime value={r.created_at} />
                  </p>
                </li>
              ))}
            </ul>
            {total !== undefined && total > items.length ? (
              <p className="pt-2 text-xs text-muted-foreground">
                Showing the newest {items.length} of {formatCount(total)}.
              </p>
            ) : null}
          </>
        )}
      </CardContent>
    </Card>
  );
}

export function Component() {
  const user = useUser();
  const summary = useSummary();
  const incidents = useIncidents({ page: 1, per_page: 10, status: "open", sort: "-started_at" });
  const alerts = useAlerts({ page: 1, per_page: 10, status: "firing" });

  const nothingYet =
    summary.data && summary.data.services.total + summary.data.domains.total + summary.data.instances.total === 0;

  return (
    <>
      <PageHeader title="Dashboard" />
      <Suspense fallback={null}>
        <DeliveryFailingBanner />
      </Suspense>
      {summary.isError ? (
        <p role="alert" className="mb-4 text-sm text-destructive-text">
          Could not load the summary: {summary.error.message}
        </p>
      ) : null}
      {nothingYet ? (
        <EmptyState
          icon={Activity}
          title="Nothing is monitored yet"
          action={
            canEdit(user) ? (
              <Button asChild>
                <Link to="/services/new">
                  <Plus aria-hidden="true" />
                  Add your first service
                </Link>
              </Button>
            ) : null
          }
        >
          {canEdit(user)
            ? "Add a website, API, server port, DNS name or cron job, and Monitron starts checking it at once."
            : "An editor or administrator adds what Monitron checks. Once they do, its status shows here."}
        </EmptyState>
      ) : (
        <div className="flex flex-col gap-4">
          <section aria-label="Monitors by status" className="grid gap-4 md:grid-cols-3">
            {summary.data ? (
              <>
                <CountsCard title="Services" counts={summary.data.services} listPath="/services" />
                <CountsCard title="Domains" counts={summary.data.domains} listPath="/domains" />
                <CountsCard title="Instances" counts={summary.data.instances} listPath="/instances" />
              </>
            ) : summary.isPending ? (
              [0, 1, 2].map((i) => <Skeleton key={i} className="h-36" />)
            ) : null}
          </section>
          <div className="grid gap-4 lg:grid-cols-2">
            <ListCard<Incident>
              title="Open incidents"
              listPath="/incidents"
              total={summary.data?.open_incidents}
              query={incidents}
              render={(incident) => <IncidentRow incident={incident} />}
              empty="No open incidents."
            />
            <ListCard<Alert>
              title="Firing alerts"
              listPath="/alerts"
              total={summary.data?.firing_alerts}
              query={alerts}
              render={(alert) => <AlertRow alert={alert} />}
              empty="No alerts are firing."
            />
            <VisitorReportsCard />
          </div>
          {canEdit(user) && summary.data && summary.data.services.total === 0 ? (
            <p className="flex items-center gap-2 text-sm text-muted-foreground">
              <Server className="size-4" aria-hidden="true" />
              <Link to="/services/new" className="text-primary-text hover:underline">
                Add a service
              </Link>{" "}
              to check a website, API or port.
            </p>
          ) : null}
        </div>
      )}
    </>
  );
}
