import { useNow } from "@/lib/clock";
import { formatAbsolute, formatRelative } from "@/lib/time";

/** "3 min ago", with the full local date and time in the tooltip and for machines. */
export function RelativeTime({ value, fallback = "never" }: { value: string | null | undefined; fallback?: string }) {
  const now = useNow();
  if (!value) return <span className="text-muted-foreground">{fallback}</span>;
  const absolute = formatAbsolute(value);
  return (
    <time dateTime={value} title={absolute}>
      {formatRelative(value, Math.max(now, Date.now() - 15_000))}
    </time>
  );
}
