import { ArrowLeft } from "lucide-react";
import { useMemo } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { DomainForm } from "@/components/domain-form";
import { MonitorLoadError } from "@/components/monitor-detail";
import { PageHeader } from "@/components/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { draftFromDomain } from "@/lib/domain-form";
import { useDomain, useUpdateDomain } from "@/queries/domains";

export function Component() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const domain = useDomain(id);
  const update = useUpdateDomain(id);
  // The form starts from the domain as first loaded; live updates must not reset typing.
  const initial = useMemo(() => (domain.data ? draftFromDomain(domain.data) : null), [domain.data?.id, domain.data?.updated_at]);

  if (domain.isPending) return <Skeleton className="h-96 max-w-3xl" />;
  if (domain.isError || !initial) return <MonitorLoadError error={domain.error} noun="domain" listPath="/domains" />;

  return (
    <>
      <Link
        to={`/domains/${id}`}
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        {domain.data.name}
      </Link>
      <PageHeader title={`Edit ${domain.data.name}`} />
      <DomainForm
        key={`${id}:${domain.data.updated_at}`}
        initial={initial}
        editing
        submitLabel="Save changes"
        onCancel={() => navigate(`/domains/${id}`)}
        onSubmit={async (body) => {
          const saved = await update.mutateAsync(body);
          toast("success", `Saved ${saved.name}`);
          navigate(`/domains/${id}`);
        }}
      />
    </>
  );
}
