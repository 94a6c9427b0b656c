import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/cn";
import type { MonitorStatus } from "@/queries/monitors";

const LABEL: Record<MonitorStatus, string> = {
  up: "Up",
  down: "Down",
  pending: "Pending",
  paused: "Paused",
  maintenance: "Maintenance",
};

const STYLE: Record<MonitorStatus, string> = {
  up: "bg-up-soft text-up-text border-up/40",
  down: "bg-down-soft text-down-text border-down/40",
  pending: "bg-pending-soft text-pending-text border-pending/40",
  paused: "bg-paused-soft text-paused-text border-paused/40",
  maintenance: "bg-maintenance-soft text-maintenance-text border-maintenance/40",
};

const DOT: Record<MonitorStatus, string> = {
  up: "bg-up",
  down: "bg-down",
  pending: "bg-pending",
  paused: "bg-paused",
  maintenance: "bg-maintenance",
};

export function statusLabel(status: string): string {
  return LABEL[status as MonitorStatus] ?? status;
}

/** The status in words and colour (never colour alone). */
export function StatusBadge({ status, className }: { status: string; className?: string }) {
  const known = (status in LABEL ? status : "pending") as MonitorStatus;
  return (
    <Badge className={cn(STYLE[known], className)}>
      <span className={cn("size-1.5 rounded-full", DOT[known], known === "down" && "animate-pulse")} aria-hidden="true" />
      {statusLabel(status)}
    </Badge>
  );
}

/** A coloured dot; pair it with text. */
export function StatusDot({ status, className }: { status: string; className?: string }) {
  const known = (status in DOT ? status : "pending") as MonitorStatus;
  return <span className={cn("inline-block size-2 rounded-full", DOT[known], className)} aria-hidden="true" />;
}
