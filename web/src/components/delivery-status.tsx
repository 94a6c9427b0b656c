/** A notification's delivery state in words and colour (never colour alone). */
import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/cn";

const STYLE: Record<string, string> = {
  sent: "bg-up-soft text-up-text border-up/40",
  dead: "bg-down-soft text-down-text border-down/40",
  retrying: "bg-pending-soft text-pending-text border-pending/40",
};

const LABEL: Record<string, string> = {
  sent: "Sent",
  dead: "Failed",
  retrying: "Retrying",
  queued: "Queued",
  waiting: "Waiting",
  grouped: "Grouped",
};

export const DELIVERY_STATUSES = ["sent", "retrying", "dead", "queued", "waiting", "grouped"] as const;

export function deliveryLabel(status: string): string {
  return LABEL[status] ?? status;
}

export function DeliveryBadge({ status }: { status: string }) {
  return (
    <Badge className={cn(STYLE[status] ?? "bg-paused-soft text-paused-text border-paused/40")}>{deliveryLabel(status)}</Badge>
  );
}
