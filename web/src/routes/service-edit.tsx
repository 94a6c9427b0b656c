import { ArrowLeft, SearchX } from "lucide-react";
import { useMemo } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "@/api/envelope";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { ServiceForm } from "@/components/service-form/service-form";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { draftFromService } from "@/lib/service-form";
import { useService, useUpdateService } from "@/queries/services";

export function Component() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const service = useService(id);
  const update = useUpdateService(id);
  // The form starts from the service as first loaded; live updates must not reset typing.
  const initial = useMemo(
    () => (service.data ? draftFromService(service.data) : null),
    [service.data?.id, service.data?.updated_at],
  );

  if (service.isPending) return <Skeleton className="h-96 max-w-3xl" />;
  if (service.isError || !initial) {
    const missing = service.error instanceof ApiError && service.error.status === 404;
    return (
      <EmptyState
        icon={SearchX}
        title={missing ? "Service not found" : "Could not load this service"}
        action={
          <Button variant="outline" asChild>
            <Link to="/services">Back to services</Link>
          </Button>
        }
      >
        {missing ? "It may have been deleted." : service.error?.message}
      </EmptyState>
    );
  }

  return (
    <>
      <Link
        to={`/services/${id}`}
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        {service.data.name}
      </Link>
      <PageHeader title={`Edit ${service.data.name}`} />
      <ServiceForm
        key={`${id}:${service.data.updated_at}`}
        initial={initial}
        editing
        submitLabel="Save changes"
        onCancel={() => navigate(`/services/${id}`)}
        onSubmit={async (body, draft) => {
          // A change replaces config whole; empty description and group clear them.
          const saved = await update.mutateAsync({ ...body, description: draft.description.trim(), group: draft.group.trim() });
          toast("success", `Saved ${saved.name}`);
          navigate(`/services/${id}`);
        }}
      />
    </>
  );
}
