/**
 * One service: its status and settings, statistics over four windows, the response-time
 * chart with a range picker, 90 days of uptime, its incidents and raw results, and the
 * actions (run now, pause/resume, edit, delete).
 */
import { ArrowLeft, Pause, Pencil, Play, RefreshCw, Trash2 } from "lucide-react";
import { useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import type { CheckResult, Service } from "@/api/types";
import { CopyButton } from "@/components/copy-button";
import {
  DetailSkeleton,
  IncidentsCard,
  MonitorLoadError,
  ResponseTimeCard,
  ResultsCard,
  Setting,
  StatsSection,
  UptimeCard,
} from "@/components/monitor-detail";
import { PageHeader } from "@/components/page-header";
import { RelativeTime } from "@/components/relative-time";
import { StatusBadge } from "@/components/status-badge";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { toast } from "@/components/ui/toast";
import { checkTypeLabel, describeTarget } from "@/lib/check-types";
import { formatMs } from "@/lib/format";
import { formatDuration } from "@/lib/time";
import { useDeleteService, usePauseService, useRunService, useService } from "@/queries/services";
import { canEdit, useUser } from "@/session/use-session";

function Overview({ service, lastRun }: { service: Service; lastRun: CheckResult | null }) {
  const status = service.enabled ? service.state.status : "paused";
  return (
    <Card>
      <CardContent className="pt-4">
        <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <Setting label="Status">
            <span className="flex flex-wrap items-center gap-2">
              <StatusBadge status={status} />
              {service.state.status_since ? (
                <span className="text-xs text-muted-foreground">
                  since <RelativeTime value={service.state.status_since} />
                </span>
              ) : null}
            </span>
          </Setting>
          <Setting label="Last check">
            <RelativeTime value={service.state.last_checked_at} />
            {service.state.last_response_ms != null ? ` · ${formatMs(service.state.last_response_ms)}` : ""}
          </Setting>
          <Setting label="Checked every">
            {formatDuration(service.interval_s)} (timeout {formatDuration(service.timeout_s)})
          </Setting>
          <Setting label="Group">{service.group || <span className="text-muted-foreground">None</span>}</Setting>
          {service.state.message ? (
            <Setting label="Last message" className="sm:col-span-2 lg:col-span-4">
              {service.state.message}
            </Setting>
          ) : null}
          {Object.keys(service.labels).length ? (
            <Setting label="Labels" className="sm:col-span-2 lg:col-span-4">
              <span className="flex flex-wrap gap-1">
                {Object.entries(service.labels).map(([k, v]) => (
                  <Badge key={k} className="font-mono">
                    {k}={v}
                  </Badge>
                ))}
              </span>
            </Setting>
          ) : null}
          {service.ping_url ? (
            <Setting label="Ping URL" className="sm:col-span-2 lg:col-span-4">
              <span className="flex flex-wrap items-center gap-2">
                <code className="rounded bg-muted px-2 py-1 font-mono text-xs break-all">{service.ping_url}</code>
                <CopyButton text={service.ping_url} label="Copy URL" />
              </span>
              <span className="mt-1 block text-xs text-muted-foreground">
                Have the job request this URL when it succeeds; add <code>/start</code> when it starts and <code>/fail</code> when
                it fails.
              </span>
            </Setting>
          ) : null}
          {lastRun ? (
            <Setting label="Check run just now" className="sm:col-span-2 lg:col-span-4">
              <span role="status" className="flex flex-wrap items-center gap-2">
                <StatusBadge status={lastRun.status} />
                {formatMs(lastRun.response_ms)} · {lastRun.message}
              </span>
            </Setting>
          ) : null}
        </dl>
      </CardContent>
    </Card>
  );
}

export function Component() {
  const { id = "" } = useParams();
  const user = useUser();
  const navigate = useNavigate();
  const service = useService(id);
  const run = useRunService(id);
  const pause = usePauseService(id);
  const remove = useDeleteService(id);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [lastRun, setLastRun] = useState<CheckResult | null>(null);
  const justCreated = Boolean((useLocation().state as { created?: boolean } | null)?.created);

  if (service.isPending) return <DetailSkeleton />;
  if (service.isError) return <MonitorLoadError error={service.error} noun="service" listPath="/services" />;

  const s = service.data;
  const editor = canEdit(user);
  const target = describeTarget(s.type, s.config as Record<string, unknown>);

  const runNow = () =>
    run.mutate(undefined, {
      onSuccess: (result) => {
        setLastRun(result);
        toast(
          result.status === "up" ? "success" : "error",
          `Check ${result.status === "up" ? "passed" : "failed"}`,
          result.message,
        );
      },
      onError: (error) => toast("error", "Could not run the check", error.message),
    });
  const togglePause = () =>
    pause.mutate(s.enabled, {
      onSuccess: (updated) => toast("success", updated.enabled ? "Checks resumed" : "Checks paused"),
      onError: (error) => toast("error", "Could not change it", error.message),
    });
  const doDelete = () =>
    remove.mutate(undefined, {
      onSuccess: () => {
        toast("success", `Deleted ${s.name}`);
        navigate("/services", { replace: true });
      },
      onError: (error) => {
        setConfirmDelete(false);
        toast("error", "Could not delete it", error.message);
      },
    });

  return (
    <>
      <Link to="/services" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Services
      </Link>
      <PageHeader
        title={s.name}
        description={
          <span className="flex flex-wrap items-center gap-x-2">
            <span>{checkTypeLabel(s.type)}</span>
            {target ? <span className="font-mono text-xs break-all">{target}</span> : null}
          </span>
        }
        actions={
          editor ? (
            <>
              <Button variant="outline" onClick={runNow} disabled={run.isPending}>
                <RefreshCw aria-hidden="true" className={run.isPending ? "animate-spin" : undefined} />
                {run.isPending ? "Checking…" : "Run now"}
              </Button>
              <Button variant="outline" onClick={togglePause} disabled={pause.isPending}>
                {s.enabled ? <Pause aria-hidden="true" /> : <Play aria-hidden="true" />}
                {s.enabled ? "Pause" : "Resume"}
              </Button>
              <Button variant="outline" asChild>
                <Link to={`/services/${s.id}/edit`}>
                  <Pencil aria-hidden="true" />
                  Edit
                </Link>
              </Button>
              <Button variant="destructive" onClick={() => setConfirmDelete(true)}>
                <Trash2 aria-hidden="true" />
                Delete
              </Button>
            </>
          ) : null
        }
      >
        {s.description ? <p className="mt-2 max-w-prose text-sm">{s.description}</p> : null}
      </PageHeader>

      <div className="flex flex-col gap-4">
        {justCreated && s.ping_url ? (
          <Card className="border-primary-text/50">
            <CardHeader>
              <CardTitle>Your heartbeat is ready</CardTitle>
            </CardHeader>
            <CardContent className="flex flex-col gap-2 text-sm">
              <p>Make the job request this URL each time it succeeds (GET, POST or HEAD), for example:</p>
              <div className="flex flex-wrap items-center gap-2">
                <code className="rounded bg-muted px-2 py-1 font-mono text-xs break-all">
                  curl -fsS -m 10 --retry 5 {s.ping_url}
                </code>
                <CopyButton text={`curl -fsS -m 10 --retry 5 ${s.ping_url}`} label="Copy command" />
              </div>
              <p className="text-muted-foreground">It stays pending until the first ping arrives.</p>
            </CardContent>
          </Card>
        ) : null}
        <Overview service={s} lastRun={lastRun} />
        <StatsSection kind="service" id={s.id} />
        <ResponseTimeCard kind="service" id={s.id} />
        <UptimeCard kind="service" id={s.id} />
        <IncidentsCard kind="service" id={s.id} />
        <ResultsCard kind="service" id={s.id} />
      </div>

      <ConfirmDialog
        open={confirmDelete}
        onOpenChange={setConfirmDelete}
        title={`Delete ${s.name}?`}
        description="Its checks stop and its history, incidents and uptime are deleted. This cannot be undone."
        confirmLabel="Delete service"
        busy={remove.isPending}
        onConfirm={doDelete}
      />
    </>
  );
}
