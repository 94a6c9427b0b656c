/**
 * One incident: which monitor went down, when and why, how long it lasted, whether
 * someone is on it, the alerts its rules raised meanwhile, and the checks from its start
 * to its end.
 */
import { ArrowLeft, SearchX } from "lucide-react";
import { Link, useParams } from "react-router";
import { ApiError } from "@/api/envelope";
import type { Incident } from "@/api/types";
import { EmptyState } from "@/components/empty-state";
import { AckIncidentButton, AlertStatusBadge, IncidentDuration, IncidentStatusBadge } from "@/components/incident-status";
import { DetailSkeleton, Setting } from "@/components/monitor-detail";
import { PageHeader } from "@/components/page-header";
import { RelativeTime } from "@/components/relative-time";
import { SeverityBadge } from "@/components/severity-badge";
import { StatusBadge } from "@/components/status-badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatMs } from "@/lib/format";
import { isMonitorKind, kindLabel, monitorPath } from "@/lib/monitor-paths";
import { formatAbsolute, formatShort } from "@/lib/time";
import { useAlerts } from "@/queries/alerts";
import { useMonitorResults } from "@/queries/history";
import { useIncident } from "@/queries/incidents";
import { canEdit, useUser } from "@/session/use-session";

/** A minute either side: alerts and checks at the edges belong to it. */
const MARGIN_MS = 60_000;

function shift(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

function AlertsCard({ incident }: { incident: Incident }) {
  const alerts = useAlerts({
    page: 1,
    per_page: 50,
    target_id: incident.target_id,
    from: shift(incident.started_at, -MARGIN_MS),
    ...(incident.resolved_at ? { to: shift(incident.resolved_at, MARGIN_MS) } : {}),
  });
  const items = alerts.data?.items ?? [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Alerts meanwhile</CardTitle>
      </CardHeader>
      <CardContent>
        {alerts.isPending ? (
          <Skeleton className="h-16" />
        ) : alerts.isError ? (
          <p className="text-sm text-destructive-text">{alerts.error.message}</p>
        ) : items.length === 0 ? (
          <p className="text-sm text-muted-foreground">No alert rule fired for this monitor while it was down.</p>
        ) : (
          <ul className="divide-y">
            {items.map((alert) => (
              <li key={alert.id} className="flex flex-col gap-1 py-2">
                <span className="flex flex-wrap items-center gap-2">
                  <AlertStatusBadge status={alert.status} />
                  <SeverityBadge severity={alert.severity} />
                  <Link to={`/alerts/${alert.id}`} className="font-medium underline underline-offset-2">
                    {alert.rule_name}
                  </Link>
                </span>
                <span className="text-sm wrap-anywhere">{alert.message}</span>
                <span className="text-xs text-muted-foreground">
                  Started <RelativeTime value={alert.started_at} />
                  {alert.acknowledged_at ? " · acknowledged" : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function ChecksCard({ incident }: { incident: Incident }) {
  const kind = isMonitorKind(incident.target_type) ? incident.target_type : "service";
  const results = useMonitorResults(
    kind,
    incident.target_id,
    incident.resolved_at ? shift(incident.resolved_at, MARGIN_MS) : null,
    100,
    shift(incident.started_at, -MARGIN_MS),
  );
  const items = results.data ?? [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Checks during the incident</CardTitle>
      </CardHeader>
      <CardContent>
        {results.isPending ? (
          <Skeleton className="h-24" />
        ) : results.isError ? (
          <p className="text-sm text-destructive-text">{results.error.message}</p>
        ) : items.length === 0 ? (
          <p className="text-sm text-muted-foreground">No raw results are kept for this time any more.</p>
        ) : (
          <>
            <Table>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">Checked</TableHead>
                  <TableHead scope="col">Result</TableHead>
                  <TableHead scope="col" className="hidden text-right sm:table-cell">
                    Response
                  </TableHead>
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Message
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((r) => (
                  <TableRow key={r.checked_at}>
                    <TableCell className="whitespace-nowrap">
                      <time dateTime={r.checked_at} title={formatAbsolute(r.checked_at)}>
                        {formatShort(r.checked_at)}
                      </time>
                    </TableCell>
                    <TableCell>
                      <StatusBadge status={r.status} />
                      <span className="ml-1 text-xs tabular-nums sm:hidden">{formatMs(r.response_ms)}</span>
                      {r.message ? (
                        <span className="mt-1 block text-xs text-muted-foreground wrap-anywhere sm:hidden">{r.message}</span>
                      ) : null}
                    </TableCell>
                    <TableCell className="hidden text-right tabular-nums sm:table-cell">{formatMs(r.response_ms)}</TableCell>
                    <TableCell className="hidden min-w-48 wrap-anywhere text-muted-foreground sm:table-cell">
                      {r.message ?? ""}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            {items.length >= 100 ? (
              <p className="pt-2 text-xs text-muted-foreground">The newest 100 checks of the incident.</p>
            ) : null}
          </>
        )}
      </CardContent>
    </Card>
  );
}

export function Component() {
  const { id = "" } = useParams();
  const user = useUser();
  const incident = useIncident(id);

  if (incident.isPending) return <DetailSkeleton />;
  if (incident.isError) {
    const missing = incident.error instanceof ApiError && incident.error.status === 404;
    return (
      <EmptyState
        icon={SearchX}
        title={missing ? "Incident not found" : "Could not load this incident"}
        action={
          <Button variant="outline" asChild>
            <Link to="/incidents">Back to incidents</Link>
          </Button>
        }
      >
        {missing ? "It may belong to a monitor that was deleted." : incident.error.message}
      </EmptyState>
    );
  }

  const i = incident.data;
  const to = monitorPath(i.target_type, i.target_id);
  const open = i.status === "open";

  return (
    <>
      <Link to="/incidents" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Incidents
      </Link>
      <PageHeader
        title={`${i.target_name} ${open ? "is down" : "was down"}`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <IncidentStatusBadge incident={i} />
            <span>
              {kindLabel(i.target_type)} incident, started <RelativeTime value={i.started_at} />
            </span>
          </span>
        }
        actions={open && !i.acknowledged_at && canEdit(user) ? <AckIncidentButton incident={i} size="default" /> : null}
      />
      <div className="flex flex-col gap-4">
        <Card>
          <CardContent className="pt-4">
            <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              <Setting label="Monitor">
                {to ? (
                  <Link to={to} className="font-medium underline underline-offset-2">
                    {i.target_name}
                  </Link>
                ) : (
                  i.target_name
                )}
                <span className="block text-xs text-muted-foreground">
                  {kindLabel(i.target_type)}
                  {i.group ? ` · ${i.group}` : ""}
                </span>
              </Setting>
              <Setting label="Started">{formatAbsolute(i.started_at)}</Setting>
              <Setting label={open ? "Down for" : "Lasted"}>
                <IncidentDuration incident={i} />
              </Setting>
              <Setting label="Cause" className="sm:col-span-2 lg:col-span-3">
                {i.cause}
              </Setting>
              <Setting label="Resolved">
                {i.resolved_at ? formatAbsolute(i.resolved_at) : <span className="text-muted-foreground">Not yet</span>}
              </Setting>
              {i.last_message ? (
                <Setting label="Recovering check said" className="lg:col-span-2">
                  {i.last_message}
                </Setting>
              ) : null}
              <Setting label="Acknowledged">
                {i.acknowledged_at ? (
                  <>
                    {formatAbsolute(i.acknowledged_at)}
                    {i.acknowledged_by === user.id ? " by you" : ""}
                  </>
                ) : (
                  <span className="text-muted-foreground">{open ? "Not yet: no one has said they are on it" : "No"}</span>
                )}
              </Setting>
            </dl>
          </CardContent>
        </Card>
        <AlertsCard incident={i} />
        <ChecksCard incident={i} />
      </div>
    </>
  );
}
