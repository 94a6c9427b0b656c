/**
 * Notification channels: where alerts go. Each row shows its type, whether it is a
 * default channel, and how its newest message fared.
 */
import { BellRing, Plus } from "lucide-react";
import { Link, useSearchParams } from "react-router";
import { DeliveryBadge } from "@/components/delivery-status";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { channelTypeLabel, describeChannel, type Channel } from "@/lib/channel-form";
import { formatCount } from "@/lib/format";
import { useChannels, useNotifications } from "@/queries/channels";
import { canEdit, useUser } from "@/session/use-session";

const PER_PAGE = 50;

function LastDelivery({ channel }: { channel: Channel }) {
  const newest = useNotifications({ page: 1, per_page: 1, channel_id: channel.id });
  const item = newest.data?.items[0];
  if (newest.isPending) return <Skeleton className="h-5 w-24" />;
  if (!item) return <span className="text-muted-foreground">Nothing sent yet</span>;
  return (
    <span className="flex flex-wrap items-center gap-x-2 gap-y-0.5">
      <DeliveryBadge status={item.status} />
      <span className="text-xs text-muted-foreground">
        <RelativeTime value={item.sent_at ?? item.updated_at} />
      </span>
    </span>
  );
}

export function Component() {
  const user = useUser();
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const channels = useChannels(page, PER_PAGE);
  const editor = canEdit(user);

  return (
    <>
      <PageHeader
        title="Notification channels"
        description={channels.data ? `${formatCount(channels.data.total)} in all` : "Where alerts are sent."}
        actions={
          editor ? (
            <Button asChild>
              <Link to="/notification-channels/new">
                <Plus aria-hidden="true" />
                Add channel
              </Link>
            </Button>
          ) : null
        }
      />
      {channels.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load the channels: {channels.error.message}
        </p>
      ) : channels.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading channels">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} className="h-12" />
          ))}
        </div>
      ) : channels.data.total === 0 ? (
        <EmptyState
          icon={BellRing}
          title="No notification channels yet"
          action={
            editor ? (
              <Button asChild>
                <Link to="/notification-channels/new">
                  <Plus aria-hidden="true" />
                  Add your first channel
                </Link>
              </Button>
            ) : null
          }
        >
          {editor
            ? "Add an e-mail, chat, webhook or paging channel and make it a default channel: every rule that names no channel, such as “Any monitor down”, then tells it."
            : "An editor or administrator adds the channels alerts are sent to."}
        </EmptyState>
      ) : (
        <>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Notification channels</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">Name</TableHead>
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Type
                  </TableHead>
                  <TableHead scope="col">Last delivery</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {channels.data.items.map((channel) => (
                  <TableRow key={channel.id}>
                    <TableCell className="max-w-0 min-w-40">
                      <span className="flex flex-wrap items-center gap-2">
                        <Link to={`/notification-channels/${channel.id}`} className="truncate font-medium hover:underline">
                          {channel.name}
                        </Link>
                        {channel.default ? <Badge className="bg-muted text-foreground">Default</Badge> : null}
                        {!channel.enabled ? <Badge className="bg-paused-soft text-paused-text">Off</Badge> : null}
                      </span>
                      <span className="block truncate text-xs text-muted-foreground">
                        <span className="sm:hidden">{channelTypeLabel(channel.type)} · </span>
                        {describeChannel(channel)}
                      </span>
                    </TableCell>
                    <TableCell className="hidden text-muted-foreground sm:table-cell">{channelTypeLabel(channel.type)}</TableCell>
                    <TableCell>
                      <LastDelivery channel={channel} />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <Pagination
            page={page}
            perPage={PER_PAGE}
            total={channels.data.total}
            onPage={(p) => setSearch(p > 1 ? { page: String(p) } : {}, { replace: true })}
            label="Channel pages"
          />
        </>
      )}
    </>
  );
}
