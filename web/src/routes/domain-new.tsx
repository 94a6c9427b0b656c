import { ArrowLeft } from "lucide-react";
import { Link, useNavigate } from "react-router";
import { DomainForm } from "@/components/domain-form";
import { PageHeader } from "@/components/page-header";
import { toast } from "@/components/ui/toast";
import { emptyDomainDraft } from "@/lib/domain-form";
import { useCreateDomain } from "@/queries/domains";

export function Component() {
  const navigate = useNavigate();
  const create = useCreateDomain();
  return (
    <>
      <Link to="/domains" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Domains
      </Link>
      <PageHeader title="Add domain" />
      <DomainForm
        initial={emptyDomainDraft()}
        editing={false}
        submitLabel="Add domain"
        onCancel={() => navigate("/domains")}
        onSubmit={async (body) => {
          const domain = await create.mutateAsync(body);
          toast("success", `Added ${domain.name}`, "The first lookup runs now.");
          navigate(`/domains/${domain.id}`);
        }}
      />
    </>
  );
}
