import { ArrowLeft } from "lucide-react";
import { Link, useNavigate } from "react-router";
import { ChannelForm } from "@/components/channel-form";
import { PageHeader } from "@/components/page-header";
import { toast } from "@/components/ui/toast";
import { emptyChannelDraft, SECRET_MASK } from "@/lib/channel-form";
import { useCreateChannel } from "@/queries/channels";

export function Component() {
  const navigate = useNavigate();
  const create = useCreateChannel();
  return (
    <>
      <Link
        to="/notification-channels"
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        Notification channels
      </Link>
      <PageHeader title="Add notification channel" />
      <ChannelForm
        initial={emptyChannelDraft()}
        editing={false}
        submitLabel="Add channel"
        cancelTo="/notification-channels"
        onSubmit={async (body) => {
          const channel = await create.mutateAsync(body);
          // A signing secret the server generated is in this answer only.
          const secret = (channel.config as Record<string, unknown>)["secret"];
          const generated =
            channel.type === "webhook" &&
            typeof secret === "string" &&
            secret !== SECRET_MASK &&
            !(body.config as Record<string, unknown>)["secret"]
              ? secret
              : null;
          toast("success", `Added ${channel.name}`, "Send a test message to check it.");
          navigate(`/notification-channels/${channel.id}`, { state: generated ? { secret: generated } : null });
        }}
      />
    </>
  );
}
