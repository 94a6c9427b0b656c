import { ArrowLeft } from "lucide-react";
import { useMemo } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { InstanceForm } from "@/components/instance-form";
import { MonitorLoadError } from "@/components/monitor-detail";
import { PageHeader } from "@/components/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { draftFromInstance } from "@/lib/instance-form";
import { useInstance, useUpdateInstance } from "@/queries/instances";

export function Component() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const instance = useInstance(id);
  const update = useUpdateInstance(id);
  // The form starts from the instance as first loaded; live updates must not reset typing.
  const initial = useMemo(
    () => (instance.data ? draftFromInstance(instance.data) : null),
    [instance.data?.id, instance.data?.updated_at],
  );

  if (instance.isPending) return <Skeleton className="h-96 max-w-3xl" />;
  if (instance.isError || !initial) return <MonitorLoadError error={instance.error} noun="instance" listPath="/instances" />;

  return (
    <>
      <Link
        to={`/instances/${id}`}
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        {instance.data.name}
      </Link>
      <PageHeader title={`Edit ${instance.data.name}`} />
      <InstanceForm
        key={`${id}:${instance.data.updated_at}`}
        initial={initial}
        editing
        submitLabel="Save changes"
        onCancel={() => navigate(`/instances/${id}`)}
        onSubmit={async (body) => {
          const saved = await update.mutateAsync(body);
          toast("success", `Saved ${saved.name}`);
          navigate(`/instances/${id}`);
        }}
      />
    </>
  );
}
