/**
 * One instance: live charts of its host's CPU (per core), memory, disks, network and GPU,
 * what the host is, the install command with its enrollment token, reachability
 * statistics, uptime, incidents, probes, the agent configuration, raw results, and the
 * actions (check now, pause/resume, edit, delete; restart the agent, reboot or shut down
 * the host for administrators, each confirmed).
 */
import { ArrowLeft, Pause, Pencil, Play, Power, RefreshCw, RotateCcw, Trash2 } from "lucide-react";
import { useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import type { ActionView, CheckResult, Instance } from "@/api/types";
import { AgentConfigCard } from "@/components/instance/agent-config-editor";
import { DeviceCard } from "@/components/instance/device-card";
import { InstallCard } from "@/components/instance/install-card";
import { MetricsSection } from "@/components/instance/metrics-section";
import { ProbesCard } from "@/components/instance/probes-card";
import {
  DetailSkeleton,
  IncidentsCard,
  MonitorLoadError,
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
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { toast } from "@/components/ui/toast";
import { formatMs } from "@/lib/format";
import { connectionText } from "@/lib/instance-form";
import { formatDuration } from "@/lib/time";
import {
  useDeleteInstance,
  useInstance,
  useInstanceAction,
  usePauseInstance,
  useRunInstance,
  type InstanceAction,
} from "@/queries/instances";
import { canEdit, useUser } from "@/session/use-session";

const ACTIONS: Record<InstanceAction, { label: string; title: string; description: string; confirm: string }> = {
  restart_agent: {
    label: "Restart agent",
    title: "Restart the agent?",
    description: "The agent finishes what it is doing, flushes its buffer and starts again; metrics pause for a moment.",
    confirm: "Restart agent",
  },
  reboot: {
    label: "Reboot host",
    title: "Reboot the host?",
    description:
      "The host restarts, with everything running on it. The agent refuses unless its host allows power actions (MONITRON_AGENT_ALLOW_POWER=1).",
    confirm: "Reboot host",
  },
  shutdown: {
    label: "Shut down host",
    title: "Shut the host down?",
    description:
      "The host powers off and stays off until someone starts it again. The agent refuses unless its host allows power actions (MONITRON_AGENT_ALLOW_POWER=1).",
    confirm: "Shut down host",
  },
};

const OUTCOME: Record<string, string> = {
  done: "The agent accepted it.",
  refused: "The agent refused it.",
  failed: "The agent could not be reached.",
  sent: "Sent; the agent has not answered yet.",
  queued: "Queued: the agent gets it when it next connects.",
};

function ActionsCard({ instance }: { instance: Instance }) {
  const action = useInstanceAction(instance.id);
  const [asking, setAsking] = useState<InstanceAction | null>(null);
  const [outcome, setOutcome] = useState<ActionView | null>(null);
  const run = (which: InstanceAction) =>
    action.mutate(which, {
      onSuccess: (result) => {
        setAsking(null);
        setOutcome(result);
        const ok = result.status === "done" || result.status === "sent" || result.status === "queued";
        toast(ok ? "success" : "error", `${ACTIONS[which].label}: ${result.status}`, result.message || OUTCOME[result.status]);
      },
      onError: (error) => {
        setAsking(null);
        toast("error", `Could not ${ACTIONS[which].label.toLowerCase()}`, error.message);
      },
    });
  const spec = asking ? ACTIONS[asking] : null;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Agent actions</CardTitle>
        <CardDescription>Administrators only; every action is audited.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" onClick={() => setAsking("restart_agent")} disabled={action.isPending}>
            <RotateCcw aria-hidden="true" />
            {ACTIONS.restart_agent.label}
          </Button>
          <Button variant="outline" onClick={() => setAsking("reboot")} disabled={action.isPending}>
            <RefreshCw aria-hidden="true" />
            {ACTIONS.reboot.label}
          </Button>
          <Button variant="destructive" onClick={() => setAsking("shutdown")} disabled={action.isPending}>
            <Power aria-hidden="true" />
            {ACTIONS.shutdown.label}
          </Button>
        </div>
        {outcome ? (
          <p role="status" className="text-sm">
            <span className="font-medium">{ACTIONS[outcome.action as InstanceAction]?.label ?? outcome.action}:</span>{" "}
            {OUTCOME[outcome.status] ?? outcome.status}{" "}
            {outcome.message ? <span className="text-muted-foreground">{outcome.message}</span> : null}
          </p>
        ) : null}
      </CardContent>
      <ConfirmDialog
        open={asking !== null}
        onOpenChange={(open) => !open && setAsking(null)}
        title={spec?.title ?? ""}
        description={spec?.description ?? ""}
        confirmLabel={spec?.confirm ?? ""}
        destructive={asking !== "restart_agent"}
        busy={action.isPending}
        onConfirm={() => asking && run(asking)}
      />
    </Card>
  );
}

function Overview({ instance, lastRun }: { instance: Instance; lastRun: CheckResult | null }) {
  const status = instance.enabled ? instance.state.status : "paused";
  const pull = instance.connection === "pull";
  return (
    <Card>
      <CardContent className="pt-4">
        <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <Setting label="Status">
            <span className="flex flex-wrap items-center gap-2">
              <StatusBadge status={status} />
              {instance.state.status_since ? (
                <span className="text-xs text-muted-foreground">
                  since <RelativeTime value={instance.state.status_since} />
                </span>
              ) : null}
            </span>
          </Setting>
          <Setting label="Last seen">
            <RelativeTime value={instance.state.last_checked_at} />
            {instance.state.last_response_ms != null ? ` · ${formatMs(instance.state.last_response_ms)}` : ""}
          </Setting>
          <Setting label="Connection">
            {connectionText(instance)}
            {pull ? (
              <span className="block font-mono text-xs text-muted-foreground">
                {instance.tls ? "https" : "http"}://{instance.host}:{instance.agent_port} · {instance.agent_auth.type}
              </span>
            ) : null}
          </Setting>
          <Setting label={pull ? "Polled every" : "Reports every"}>
            {formatDuration(instance.interval_s)} (timeout {formatDuration(instance.timeout_s)})
          </Setting>
          <Setting label="Agent configuration">
            Revision {instance.agent_config_revision}
            {instance.agent_config_delivered >= instance.agent_config_revision ? ", taken" : ", not taken yet"}
          </Setting>
          <Setting label="Group">{instance.group || <span className="text-muted-foreground">None</span>}</Setting>
          {instance.state.message ? (
            <Setting label="Last message" className="sm:col-span-2">
              {instance.state.message}
            </Setting>
          ) : null}
          {Object.keys(instance.labels).length ? (
            <Setting label="Labels" className="sm:col-span-2 lg:col-span-4">
              <span className="flex flex-wrap gap-1">
                {Object.entries(instance.labels).map(([k, v]) => (
                  <Badge key={k} className="font-mono">
                    {k}={v}
                  </Badge>
                ))}
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
  const instance = useInstance(id);
  const run = useRunInstance(id);
  const pause = usePauseInstance(id);
  const remove = useDeleteInstance(id);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [lastRun, setLastRun] = useState<CheckResult | null>(null);
  const token = (useLocation().state as { enrollmentToken?: string } | null)?.enrollmentToken ?? null;

  if (instance.isPending) return <DetailSkeleton />;
  if (instance.isError) return <MonitorLoadError error={instance.error} noun="instance" listPath="/instances" />;

  const i = instance.data;
  const editor = canEdit(user);
  const admin = user.role === "admin";
  // Until an agent reports, installing it is the next step: show how first.
  const installFirst = Boolean(token) || (i.connection === "push" && !i.enrolled_at) || !i.state.last_checked_at;

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
    pause.mutate(i.enabled, {
      onSuccess: (updated) => toast("success", updated.enabled ? "Monitoring resumed" : "Monitoring paused"),
      onError: (error) => toast("error", "Could not change it", error.message),
    });
  const doDelete = () =>
    remove.mutate(undefined, {
      onSuccess: () => {
        toast("success", `Deleted ${i.name}`);
        navigate("/instances", { replace: true });
      },
      onError: (error) => {
        setConfirmDelete(false);
        toast("error", "Could not delete it", error.message);
      },
    });

  const install = <InstallCard instance={i} token={token} editor={editor} />;

  return (
    <>
      <Link to="/instances" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Instances
      </Link>
      <PageHeader
        title={i.name}
        description={
          <span className="flex flex-wrap items-center gap-x-2">
            <span>Instance</span>
            <span className="font-mono text-xs break-all">{i.host}</span>
            <span>· {connectionText(i)}</span>
          </span>
        }
        actions={
          editor ? (
            <>
              <Button variant="outline" onClick={runNow} disabled={run.isPending}>
                <RefreshCw aria-hidden="true" className={run.isPending ? "animate-spin" : undefined} />
                {run.isPending ? "Checking…" : "Check now"}
              </Button>
              <Button variant="outline" onClick={togglePause} disabled={pause.isPending}>
                {i.enabled ? <Pause aria-hidden="true" /> : <Play aria-hidden="true" />}
                {i.enabled ? "Pause" : "Resume"}
              </Button>
              <Button variant="outline" asChild>
                <Link to={`/instances/${i.id}/edit`}>
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
        {i.description ? <p className="mt-2 max-w-prose text-sm">{i.description}</p> : null}
      </PageHeader>

      <div className="flex flex-col gap-4">
        {installFirst ? install : null}
        <Overview instance={i} lastRun={lastRun} />
        <MetricsSection id={i.id} intervalS={i.interval_s} />
        <DeviceCard id={i.id} />
        <StatsSection kind="instance" id={i.id} what={i.connection === "pull" ? "Polls" : "Reports"} />
        <UptimeCard kind="instance" id={i.id} title="Reachability, last 90 days" />
        <IncidentsCard kind="instance" id={i.id} />
        <ProbesCard id={i.id} editor={editor} />
        <AgentConfigCard id={i.id} editor={editor} intervalS={i.interval_s} />
        {installFirst ? null : install}
        {admin ? <ActionsCard instance={i} /> : null}
        <ResultsCard kind="instance" id={i.id} title="Reachability results" />
      </div>

      <ConfirmDialog
        open={confirmDelete}
        onOpenChange={setConfirmDelete}
        title={`Delete ${i.name}?`}
        description="Monitoring stops, the agent's credential stops working, and the instance's metrics, history and incidents are deleted. This cannot be undone."
        confirmLabel="Delete instance"
        busy={remove.isPending}
        onConfirm={doDelete}
      />
    </>
  );
}
