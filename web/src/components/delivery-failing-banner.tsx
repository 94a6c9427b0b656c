/**
 * Says when notifications to a channel keep failing (the server's "Notification delivery
 * failing" alert), with a link to that channel's delivery log. Loaded apart from the
 * dashboard, so its first load stays small.
 */
import { BellOff } from "lucide-react";
import { Link } from "react-router";
import { useDeliveryFailing } from "@/queries/channels";

export default function DeliveryFailingBanner() {
  const failing = useDeliveryFailing();
  const items = failing.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section
      aria-label="Failing notification channels"
      className="mb-4 flex flex-col gap-2 rounded-lg border border-down/50 bg-down-soft px-4 py-3 text-sm text-down-text"
    >
      {items.map((alert) => (
        <p key={alert.id} className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <BellOff className="size-4 shrink-0" aria-hidden="true" />
          <span className="font-medium">Notifications to {alert.target_name} are failing.</span>
          <span className="break-words">{alert.message}</span>
          <Link
            to={`/notification-channels/${alert.target_id}?status=dead#deliveries`}
            className="font-medium underline underline-offset-4"
          >
            Open its delivery log
          </Link>
        </p>
      ))}
      {failing.data && failing.data.total > items.length ? (
        <p>
          And {failing.data.total - items.length} more.{" "}
          <Link to="/notification-channels" className="font-medium underline underline-offset-4">
            See every channel
          </Link>
        </p>
      ) : null}
    </section>
  );
}
