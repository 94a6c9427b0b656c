import { useNow } from "@/lib/clock";
import { formatAbsolute, formatRelative } from "@/lib/time";

/** "3 min ago", with the full local date and time in the tooltip and for machines. */
export function RelativeTime({ value, fallback = "never" }: { value: string | null | undefined; fallback?: string }) {
  // Re-renders with the shared clock; reads the time itself, so a moment ago never reads as the future.
  useNow();
  if (!value) return <span className="text-muted-foreground">{fallback}</span>;
  const absolute = formatAbsolute(value);
  return (
    <time dateTime={value} title={absolute}>
      {formatRelative(value, Date.now())}
    </time>
  );
}
