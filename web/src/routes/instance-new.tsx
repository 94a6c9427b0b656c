import { ArrowLeft } from "lucide-react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { InstanceForm } from "@/components/instance-form";
import { PageHeader } from "@/components/page-header";
import { toast } from "@/components/ui/toast";
import { emptyInstanceDraft } from "@/lib/instance-form";
import { useCreateInstance } from "@/queries/instances";

export function Component() {
  const navigate = useNavigate();
  const create = useCreateInstance();
  const connection = useSearchParams()[0].get("connection") === "pull" ? "pull" : "push";
  return (
    <>
      <Link to="/instances" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Instances
      </Link>
      <PageHeader title="Add instance" />
      <InstanceForm
        initial={emptyInstanceDraft(connection)}
        editing={false}
        submitLabel="Add instance"
        onCancel={() => navigate("/instances")}
        onSubmit={async (body) => {
          const instance = await create.mutateAsync(body);
          toast(
            "success",
            `Added ${instance.name}`,
            instance.enrollment_token ? "Install the agent with the command shown." : "The server polls the agent now.",
          );
          // The one-time token goes to the page that shows the install command, and nowhere else.
          navigate(`/instances/${instance.id}`, {
            state: instance.enrollment_token ? { enrollmentToken: instance.enrollment_token } : null,
          });
        }}
      />
    </>
  );
}
