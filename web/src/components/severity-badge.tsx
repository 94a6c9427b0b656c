import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/cn";

const STYLE: Record<string, string> = {
  critical: "bg-down-soft text-down-text border-down/40",
  warning: "bg-pending-soft text-pending-text border-pending/40",
  info: "bg-paused-soft text-paused-text border-paused/40",
};

export function SeverityBadge({ severity }: { severity: string }) {
  return <Badge className={cn("capitalize", STYLE[severity] ?? STYLE["info"])}>{severity}</Badge>;
}
