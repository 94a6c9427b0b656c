/**
 * Alerts: those firing now, and the history (every state), filtered by severity, rule,
 * kind of monitor and state, all kept in the URL, one server page at a time and kept
 * current by live events. Each links to its monitor and its rule; editors acknowledge
 * firing ones from the list.
 */
import { Bell, CheckCircle2, Search } from "lucide-react";
import { Link, useSearchParams } from "react-router";
import type { Alert } from "@/api/types";
import { EmptyState } from "@/components/empty-state";
import { AckAlertButton, AlertStatusBadge, alertStatusLabel } from "@/components/incident-status";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { SeverityBadge } from "@/components/severity-badge";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/cn";
import { formatCount } from "@/lib/format";
import { isMonitorKind, kindLabel, MONITOR_KINDS, monitorPath } from "@/lib/monitor-paths";
import { useAlerts, useRuleNames, type AlertListParams, type AlertSeverity, type AlertStatus } from "@/queries/alerts";
import { canEdit, useUser } from "@/session/use-session";

const PER_PAGE = 50;
const STATUSES: AlertStatus[] = ["firing", "pending", "resolved", "suppressed"];
const SEVERITIES: AlertSeverity[] = ["critical", "warning", "info"];

function useAlertParams() {
  const [search, setSearch] = useSearchParams();
  const view = search.get("view") === "history" ? "history" : "firing";
  const status = search.get("status");
  const severity = search.get("severity");
  const kind = search.get("kind");
  const rule = search.get("rule");
  const params: AlertListParams = {
    page: Math.max(1, Number(search.get("page")) || 1),
    per_page: PER_PAGE,
    ...(view === "firing"
      ? { status: "firing" as const }
      : status && (STATUSES as string[]).includes(status)
        ? { status: status as AlertStatus }
        : {}),
    ...(severity && (SEVERITIES as string[]).includes(severity) ? { severity: severity as AlertSeverity } : {}),
    ...(isMonitorKind(kind) ? { target_type: kind } : {}),
    ...(rule ? { rule_id: rule } : {}),
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
  const filtered = Boolean(params.severity || params.target_type || params.rule_id || (view === "history" && params.status));
  return { params, view, update, filtered };
}

function Acknowledgement({ alert, editor }: { alert: Alert; editor: boolean }) {
  if (alert.acknowledged_at) {
    return (
      <span className="text-sm text-muted-foreground">
        Acknowledged <RelativeTime value={alert.acknowledged_at} />
      </span>
    );
  }
  if (editor && (alert.status === "firing" || alert.status === "pending")) return <AckAlertButton alert={alert} />;
  return null;
}

function AlertRow({ alert, editor, history }: { alert: Alert; editor: boolean; history: boolean }) {
  const to = monitorPath(alert.target_type, alert.target_id);
  return (
    <TableRow>
      <TableCell className="hidden w-28 pr-0 align-top sm:table-cell">
        <span className="flex flex-col items-start gap-1">
          <SeverityBadge severity={alert.severity} />
          {history || alert.status !== "firing" ? <AlertStatusBadge status={alert.status} /> : null}
        </span>
      </TableCell>
      <TableCell className="max-w-0 min-w-40 align-top">
        <span className="mb-1 flex flex-wrap gap-1 sm:hidden">
          <SeverityBadge severity={alert.severity} />
          {history || alert.status !== "firing" ? <AlertStatusBadge status={alert.status} /> : null}
        </span>
        <span className="flex flex-wrap items-baseline gap-x-2">
          {to ? (
            <Link to={to} className="font-medium underline-offset-2 hover:underline">
              {alert.target_name}
            </Link>
          ) : (
            <span className="font-medium">{alert.target_name}</span>
          )}
          <span className="text-xs text-muted-foreground">
            {kindLabel(alert.target_type)}
            {alert.subject ? ` · ${alert.subject}` : ""}
          </span>
        </span>
        <p className="mt-1 text-sm wrap-anywhere">{alert.message}</p>
        <p className="mt-0.5 text-xs text-muted-foreground">
          Rule{" "}
          <Link to={`/alert-rules/${alert.rule_id}`} className="underline underline-offset-2">
            {alert.rule_name}
          </Link>
          {alert.suppressed_by ? " · suppressed while a monitor it depends on is down" : ""}
        </p>
        <div className="mt-1 md:hidden">
          <Acknowledgement alert={alert} editor={editor} />
        </div>
      </TableCell>
      <TableCell className="align-top whitespace-nowrap">
        <Link to={`/alerts/${alert.id}`} className="underline underline-offset-2">
          <RelativeTime value={alert.fired_at ?? alert.started_at} />
          <span className="sr-only">: alert details</span>
        </Link>
        {alert.resolved_at ? (
          <span className="block text-xs text-muted-foreground">
            resolved <RelativeTime value={alert.resolved_at} />
          </span>
        ) : null}
      </TableCell>
      <TableCell className="hidden align-top md:table-cell">
        <Acknowledgement alert={alert} editor={editor} />
      </TableCell>
    </TableRow>
  );
}

export function Component() {
  const user = useUser();
  const editor = canEdit(user);
  const { params, view, update, filtered } = useAlertParams();
  const alerts = useAlerts(params);
  const rules = useRuleNames();
  const history = view === "history";

  return (
    <>
      <PageHeader
        title="Alerts"
        description={
          alerts.data
            ? `${formatCount(alerts.data.total)} ${history ? "in the history" : "firing now"}${filtered ? ", filtered" : ""}`
            : "Alert rules raise alerts; their channels and escalation policies tell people."
        }
      />

      <div role="search" className="mb-3 flex flex-col gap-2">
        <div role="group" aria-label="Alerts to show" className="flex w-fit rounded-md border p-0.5">
          {(
            [
              ["firing", "Firing now"],
              ["history", "History"],
            ] as const
          ).map(([value, label]) => (
            <button
              key={value}
              type="button"
              aria-pressed={view === value}
              onClick={() => update({ view: value === "firing" ? null : value, status: null })}
              className={cn(
                "rounded-sm px-3 py-1.5 text-sm font-medium text-muted-foreground hover:text-foreground",
                view === value && "bg-primary text-primary-foreground hover:text-primary-foreground",
              )}
            >
              {label}
            </button>
          ))}
        </div>
        <div className="grid grid-cols-2 gap-2 md:flex md:flex-wrap">
          {history ? (
            <div>
              <Label htmlFor="alert-status" className="sr-only">
                State
              </Label>
              <NativeSelect
                id="alert-status"
                value={params.status ?? ""}
                onChange={(e) => update({ status: e.target.value || null })}
                className="md:w-40"
              >
                <option value="">All states</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {alertStatusLabel(s)}
                  </option>
                ))}
              </NativeSelect>
            </div>
          ) : null}
          <div>
            <Label htmlFor="alert-severity" className="sr-only">
              Severity
            </Label>
            <NativeSelect
              id="alert-severity"
              value={params.severity ?? ""}
              onChange={(e) => update({ severity: e.target.value || null })}
              className="md:w-40"
            >
              <option value="">All severities</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s.charAt(0).toUpperCase() + s.slice(1)}
                </option>
              ))}
            </NativeSelect>
          </div>
          <div>
            <Label htmlFor="alert-kind" className="sr-only">
              Kind of monitor
            </Label>
            <NativeSelect
              id="alert-kind"
              value={params.target_type ?? ""}
              onChange={(e) => update({ kind: e.target.value || null })}
              className="md:w-40"
            >
              <option value="">All monitors</option>
              {MONITOR_KINDS.map((k) => (
                <option key={k} value={k}>
                  {kindLabel(k)}s
                </option>
              ))}
            </NativeSelect>
          </div>
          <div className={history ? undefined : "col-span-2 md:col-span-1"}>
            <Label htmlFor="alert-rule" className="sr-only">
              Rule
            </Label>
            <NativeSelect
              id="alert-rule"
              value={params.rule_id ?? ""}
              onChange={(e) => update({ rule: e.target.value || null })}
              className="md:w-56"
            >
              <option value="">All rules</option>
              {(rules.data ?? []).map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
              {params.rule_id && rules.data && !rules.data.some((r) => r.id === params.rule_id) ? (
                <option value={params.rule_id}>A deleted rule</option>
              ) : null}
            </NativeSelect>
          </div>
        </div>
      </div>

      {alerts.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load alerts: {alerts.error.message}
        </p>
      ) : alerts.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading alerts">
          {Array.from({ length: 5 }, (_, i) => (
            <Skeleton key={i} className="h-16" />
          ))}
        </div>
      ) : alerts.data.total === 0 ? (
        filtered ? (
          <EmptyState
            icon={Search}
            title="No alerts match"
            action={
              <Button variant="outline" onClick={() => update({ status: null, severity: null, kind: null, rule: null })}>
                Clear filters
              </Button>
            }
          >
            Nothing for these filters.
          </EmptyState>
        ) : history ? (
          <EmptyState
            icon={Bell}
            title="No alerts yet"
            action={
              editor ? (
                <Button variant="outline" asChild>
                  <Link to="/alert-rules">See the alert rules</Link>
                </Button>
              ) : null
            }
          >
            Alerts show here once a rule's condition holds: a monitor down, a certificate about to expire, a host running out of
            disk.
          </EmptyState>
        ) : (
          <EmptyState
            icon={CheckCircle2}
            title="No alerts are firing"
            action={
              <Button variant="outline" onClick={() => update({ view: "history" })}>
                Show the history
              </Button>
            }
          >
            Every alert rule is quiet. When one fires it shows here, and its channels tell the people on call.
          </EmptyState>
        )
      ) : (
        <div className={alerts.isPlaceholderData ? "opacity-70 transition-opacity" : undefined}>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">
                {history ? "Alert history" : "Alerts firing now"}, page {params.page}
              </caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Severity
                  </TableHead>
                  <TableHead scope="col">Monitor and message</TableHead>
                  <TableHead scope="col">{history ? "Fired" : "Firing since"}</TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Acknowledged
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {alerts.data.items.map((alert) => (
                  <AlertRow key={alert.id} alert={alert} editor={editor} history={history} />
                ))}
              </TableBody>
            </Table>
          </div>
          <Pagination
            page={params.page}
            perPage={PER_PAGE}
            total={alerts.data.total}
            onPage={(page) => update({ page: page > 1 ? String(page) : null }, false)}
            label="Alert pages"
          />
        </div>
      )}
    </>
  );
}
