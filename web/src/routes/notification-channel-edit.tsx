import { ArrowLeft, SearchX } from "lucide-react";
import { useMemo } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "@/api/envelope";
import { ChannelForm } from "@/components/channel-form";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { draftFromChannel } from "@/lib/channel-form";
import { useChannel, useUpdateChannel } from "@/queries/channels";

export function Component() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const channel = useChannel(id);
  const update = useUpdateChannel(id);
  const initial = useMemo(
    () => (channel.data ? draftFromChannel(channel.data) : null),
    [channel.data?.id, channel.data?.updated_at],
  );

  if (channel.isPending) return <Skeleton className="h-96 max-w-3xl" />;
  if (channel.isError || !initial) {
    const missing = channel.error instanceof ApiError && channel.error.status === 404;
    return (
      <EmptyState
        icon={SearchX}
        title={missing ? "Channel not found" : "Could not load this channel"}
        action={
          <Button variant="outline" asChild>
            <Link to="/notification-channels">Back to channels</Link>
          </Button>
        }
      >
        {missing ? "It may have been deleted." : channel.error?.message}
      </EmptyState>
    );
  }

  return (
    <>
      <Link
        to={`/notification-channels/${id}`}
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        {channel.data.name}
      </Link>
      <PageHeader title={`Edit ${channel.data.name}`} />
      <ChannelForm
        key={`${id}:${channel.data.updated_at}`}
        initial={initial}
        editing
        submitLabel="Save changes"
        cancelTo={`/notification-channels/${id}`}
        onSubmit={async (body) => {
          const saved = await update.mutateAsync(body);
          toast("success", `Saved ${saved.name}`);
          navigate(`/notification-channels/${id}`);
        }}
      />
    </>
  );
}
