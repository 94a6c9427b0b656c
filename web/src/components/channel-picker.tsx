/** Chooses notification channels (for rules and escalation steps) from the channel list. */
import { Link } from "react-router";
import { Skeleton } from "@/components/ui/skeleton";
import { channelTypeLabel } from "@/lib/channel-form";
import { useAllChannels } from "@/queries/channels";

export function ChannelPicker({
  id,
  legend,
  value,
  onChange,
  hint,
  error,
  disabled,
}: {
  id: string;
  legend: string;
  value: string[];
  onChange: (ids: string[]) => void;
  hint?: string;
  error?: string | undefined;
  disabled?: boolean;
}) {
  const channels = useAllChannels();
  const items = channels.data?.items ?? [];
  const known = new Set(items.map((c) => c.id));
  const missing = value.filter((v) => !known.has(v));
  const toggle = (channel: string, on: boolean) => onChange(on ? [...value, channel] : value.filter((v) => v !== channel));
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
  return (
    <fieldset id={id} className="flex flex-col gap-2" aria-describedby={describedBy} aria-invalid={error ? true : undefined}>
      <legend className="mb-1.5 text-sm font-medium">{legend}</legend>
      {channels.isPending ? (
        <Skeleton className="h-16" />
      ) : channels.isError ? (
        <p className="text-sm text-destructive-text">Could not load the channels: {channels.error.message}</p>
      ) : items.length === 0 ? (
        <p className="text-sm text-muted-foreground">
          No channels yet.{" "}
          <Link to="/notification-channels/new" className="text-primary-text underline underline-offset-4">
            Add a notification channel
          </Link>{" "}
          first.
        </p>
      ) : (
        <ul className="grid gap-1.5 sm:grid-cols-2">
          {items.map((channel) => (
            <li key={channel.id}>
              <label className="flex items-center gap-2 rounded-md border px-2.5 py-1.5 text-sm has-[:checked]:border-primary">
                <input
                  type="checkbox"
                  className="size-4 accent-primary"
                  checked={value.includes(channel.id)}
                  disabled={disabled}
                  onChange={(e) => toggle(channel.id, e.target.checked)}
                />
                <span className="min-w-0 flex-1 truncate">{channel.name}</span>
                <span className="text-xs text-muted-foreground">{channelTypeLabel(channel.type)}</span>
                {channel.default ? <span className="text-xs text-muted-foreground">· default</span> : null}
              </label>
            </li>
          ))}
          {missing.map((gone) => (
            <li key={gone}>
              <label className="flex items-center gap-2 rounded-md border border-dashed px-2.5 py-1.5 text-sm">
                <input type="checkbox" className="size-4 accent-primary" checked onChange={() => toggle(gone, false)} />
                <span className="truncate text-muted-foreground">Unknown channel {gone.slice(0, 8)}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {error ? (
        <p id={`${id}-error`} className="text-xs font-medium text-destructive-text">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-muted-foreground">
          {hint}
        </p>
      ) : null}
    </fieldset>
  );
}

/** The names of channel ids, for lists. */
export function useChannelNames(): Map<string, string> {
  const channels = useAllChannels();
  return new Map((channels.data?.items ?? []).map((c) => [c.id, c.name]));
}
