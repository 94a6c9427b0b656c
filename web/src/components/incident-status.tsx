/**
 * Incident and alert states in words and colour (never colour alone), an open incident's
 * duration counting on, and acknowledging one.
 */
import { CheckCircle2 } from "lucide-react";
import type { Alert, Incident } from "@/api/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { toast } from "@/components/ui/toast";
import { useNow } from "@/lib/clock";
import { cn } from "@/lib/cn";
import { formatDuration } from "@/lib/time";
import { useAckAlert } from "@/queries/alerts";
import { useAckIncident } from "@/queries/incidents";

export function IncidentStatusBadge({
  incident,
  className,
}: {
  incident: { status: string; acknowledged_at?: string | null };
  className?: string;
}) {
  if (incident.status === "open") {
    return (
      <Badge className={cn("border-down/40 bg-down-soft text-down-text", className)}>
        {incident.acknowledged_at ? "Open, acknowledged" : "Open"}
      </Badge>
    );
  }
  return <Badge className={cn("border-up/40 bg-up-soft text-up-text", className)}>Resolved</Badge>;
}

const ALERT_STYLE: Record<string, string> = {
  firing: "border-down/40 bg-down-soft text-down-text",
  pending: "border-pending/40 bg-pending-soft text-pending-text",
  resolved: "border-up/40 bg-up-soft text-up-text",
  suppressed: "border-paused/40 bg-paused-soft text-paused-text",
};

const ALERT_LABEL: Record<string, string> = {
  firing: "Firing",
  pending: "Pending",
  resolved: "Resolved",
  suppressed: "Suppressed",
};

export function alertStatusLabel(status: string): string {
  return ALERT_LABEL[status] ?? status;
}

export function AlertStatusBadge({ status, className }: { status: string; className?: string }) {
  return <Badge className={cn(ALERT_STYLE[status] ?? ALERT_STYLE["suppressed"], className)}>{alertStatusLabel(status)}</Badge>;
}

/** How long it lasted, counting on while it is open. */
export function IncidentDuration({ incident }: { incident: Incident }) {
  const now = useNow();
  if (incident.status !== "open") return <>{formatDuration(incident.duration_s)}</>;
  const started = Date.parse(incident.started_at);
  const seconds = Number.isNaN(started)
    ? incident.duration_s
    : Math.max(incident.duration_s, (Math.max(now, Date.now()) - started) / 1000);
  return <>{formatDuration(seconds)} so far</>;
}

export function AckIncidentButton({ incident, size = "sm" }: { incident: Incident; size?: "sm" | "default" }) {
  const ack = useAckIncident();
  return (
    <Button
      variant="outline"
      size={size}
      disabled={ack.isPending}
      onClick={() =>
        ack.mutate(incident.id, {
          onSuccess: () => toast("success", `Acknowledged: ${incident.target_name}`, "Its down alerts are acknowledged too."),
          onError: (error) => toast("error", "Could not acknowledge it", error.message),
        })
      }
    >
      <CheckCircle2 aria-hidden="true" />
      {ack.isPending ? "Acknowledging…" : "Acknowledge"}
      <span className="sr-only"> the incident of {incident.target_name}</span>
    </Button>
  );
}

export function AckAlertButton({ alert, size = "sm" }: { alert: Alert; size?: "sm" | "default" }) {
  const ack = useAckAlert();
  return (
    <Button
      variant="outline"
      size={size}
      disabled={ack.isPending}
      onClick={() =>
        ack.mutate(alert.id, {
          onSuccess: () => toast("success", `Acknowledged: ${alert.rule_name}`, "Reminders and escalation stop."),
          onError: (error) => toast("error", "Could not acknowledge it", error.message),
        })
      }
    >
      <CheckCircle2 aria-hidden="true" />
      {ack.isPending ? "Acknowledging…" : "Acknowledge"}
      <span className="sr-only">
        {" "}
        {alert.rule_name} on {alert.target_name}
      </span>
    </Button>
  );
}
