/**
 * One alert: the rule that raised it and the monitor it is about, what was wrong and the
 * value that crossed the threshold, its life (started, fired, acknowledged, resolved),
 * and every message sent about it with its delivery.
 */
import { ArrowLeft, SearchX } from "lucide-react";
import { Link, useParams } from "react-router";
import { ApiError } from "@/api/envelope";
import { EmptyState } from "@/components/empty-state";
import { AckAlertButton, AlertStatusBadge } from "@/components/incident-status";
import { DetailSkeleton, Setting } from "@/components/monitor-detail";
import { PageHeader } from "@/components/page-header";
import { RelativeTime } from "@/components/relative-time";
import { SeverityBadge } from "@/components/severity-badge";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/cn";
import { kindLabel, monitorPath } from "@/lib/monitor-paths";
import { formatAbsolute, formatShort } from "@/lib/time";
import { useAlert } from "@/queries/alerts";
import { canEdit, useUser } from "@/session/use-session";

const DELIVERY_STYLE: Record<string, string> = {
  sent: "border-up/40 bg-up-soft text-up-text",
  dead: "border-down/40 bg-down-soft text-down-text",
  retrying: "border-pending/40 bg-pending-soft text-pending-text",
};

function When({ value, empty }: { value: string | null | undefined; empty: string }) {
  if (!value) return <span className="text-muted-foreground">{empty}</span>;
  return (
    <span>
      {formatAbsolute(value)}{" "}
      <span className="text-xs text-muted-foreground">
        (<RelativeTime value={value} />)
      </span>
    </span>
  );
}

export function Component() {
  const { id = "" } = useParams();
  const user = useUser();
  const alert = useAlert(id);

  if (alert.isPending) return <DetailSkeleton />;
  if (alert.isError) {
    const missing = alert.error instanceof ApiError && alert.error.status === 404;
    return (
      <EmptyState
        icon={SearchX}
        title={missing ? "Alert not found" : "Could not load this alert"}
        action={
          <Button variant="outline" asChild>
            <Link to="/alerts">Back to alerts</Link>
          </Button>
        }
      >
        {missing ? "It may belong to a rule or monitor that was deleted." : alert.error.message}
      </EmptyState>
    );
  }

  const a = alert.data;
  const to = monitorPath(a.target_type, a.target_id);
  const active = a.status === "firing" || a.status === "pending";

  return (
    <>
      <Link to="/alerts" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Alerts
      </Link>
      <PageHeader
        title={`${a.rule_name}: ${a.target_name}`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <AlertStatusBadge status={a.status} />
            <SeverityBadge severity={a.severity} />
            {a.acknowledged_at ? <span>acknowledged</span> : null}
          </span>
        }
        actions={active && !a.acknowledged_at && canEdit(user) ? <AckAlertButton alert={a} size="default" /> : null}
      />
      <div className="flex flex-col gap-4">
        <Card>
          <CardContent className="pt-4">
            <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              <Setting label="What is wrong" className="sm:col-span-2 lg:col-span-3">
                {a.message}
                {a.value !== null && a.value !== undefined ? (
                  <span className="text-muted-foreground"> (value {Number(a.value.toFixed(3))})</span>
                ) : null}
              </Setting>
              <Setting label="Monitor">
                {to ? (
                  <Link to={to} className="font-medium underline underline-offset-2">
                    {a.target_name}
                  </Link>
                ) : (
                  a.target_name
                )}
                <span className="block text-xs text-muted-foreground">
                  {kindLabel(a.target_type)}
                  {a.subject ? ` · ${a.subject}` : ""}
                </span>
              </Setting>
              <Setting label="Rule">
                <Link to={`/alert-rules/${a.rule_id}`} className="underline underline-offset-2">
                  {a.rule_name}
                </Link>
              </Setting>
              {a.suppressed_by ? (
                <Setting label="Suppressed">Notifies no one while a monitor it depends on is down.</Setting>
              ) : null}
              <Setting label="Condition held since">
                <When value={a.started_at} empty="—" />
              </Setting>
              <Setting label="Fired">
                <When value={a.fired_at} empty={a.status === "pending" ? "Not yet: waiting for the rule's delay" : "Never"} />
              </Setting>
              <Setting label="Acknowledged">
                <When value={a.acknowledged_at} empty="No" />
                {a.acknowledged_at && !a.acknowledged_by ? (
                  <span className="block text-xs text-muted-foreground">through the link in a notification</span>
                ) : a.acknowledged_by === user.id ? (
                  <span className="block text-xs text-muted-foreground">by you</span>
                ) : null}
              </Setting>
              <Setting label="Resolved">
                <When value={a.resolved_at} empty="Not yet" />
              </Setting>
            </dl>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Notifications</CardTitle>
          </CardHeader>
          <CardContent>
            {a.notifications.length === 0 ? (
              <p className="text-sm text-muted-foreground">
                None were sent: the rule names no channel and there is no default channel, or the alert never fired.
              </p>
            ) : (
              <Table>
                <TableHeader>
                  <TableRow className="hover:bg-transparent">
                    <TableHead scope="col">Queued</TableHead>
                    <TableHead scope="col">Message</TableHead>
                    <TableHead scope="col">Delivery</TableHead>
                    <TableHead scope="col" className="hidden md:table-cell">
                      Last answer
                    </TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {a.notifications.map((n) => (
                    <TableRow key={n.id}>
                      <TableCell className="align-top whitespace-nowrap">
                        <time dateTime={n.created_at} title={formatAbsolute(n.created_at)}>
                          {formatShort(n.created_at)}
                        </time>
                      </TableCell>
                      <TableCell className="align-top">
                        <span className="capitalize">{n.event}</span>
                        <span className="block text-xs text-muted-foreground">
                          {n.channel_id ? (
                            <Link to={`/notification-channels/${n.channel_id}`} className="underline underline-offset-2">
                              {n.channel_type}
                            </Link>
                          ) : (
                            `${n.channel_type} to a person (escalation)`
                          )}
                        </span>
                      </TableCell>
                      <TableCell className="align-top">
                        <Badge
                          className={cn(
                            "capitalize",
                            DELIVERY_STYLE[n.status] ?? "border-paused/40 bg-paused-soft text-paused-text",
                          )}
                        >
                          {n.status}
                        </Badge>
                        <span className="block text-xs text-muted-foreground">
                          {n.attempts} {n.attempts === 1 ? "try" : "tries"}
                          {n.sent_at ? (
                            <>
                              , sent <RelativeTime value={n.sent_at} />
                            </>
                          ) : null}
                        </span>
                        {n.last_error ? (
                          <span className="block text-xs wrap-anywhere text-down-text md:hidden">{n.last_error}</span>
                        ) : null}
                      </TableCell>
                      <TableCell className="hidden min-w-48 align-top text-sm wrap-anywhere md:table-cell">
                        {n.last_status_code ? `HTTP ${n.last_status_code}` : null}
                        {n.last_error ? <span className="block text-down-text">{n.last_error}</span> : null}
                        {!n.last_status_code && !n.last_error ? <span className="text-muted-foreground">—</span> : null}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>
      </div>
    </>
  );
}
