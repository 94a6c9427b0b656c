import { ArrowLeft } from "lucide-react";
import { Link, useNavigate } from "react-router";
import { PageHeader } from "@/components/page-header";
import { ServiceForm } from "@/components/service-form/service-form";
import { toast } from "@/components/ui/toast";
import { emptyDraft } from "@/lib/service-form";
import { useCreateService } from "@/queries/services";

export function Component() {
  const navigate = useNavigate();
  const create = useCreateService();
  return (
    <>
      <Link to="/services" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Services
      </Link>
      <PageHeader title="Add service" />
      <ServiceForm
        initial={emptyDraft()}
        editing={false}
        submitLabel="Add service"
        onCancel={() => navigate("/services")}
        onSubmit={async (body) => {
          const service = await create.mutateAsync(body);
          toast(
            "success",
            `Added ${service.name}`,
            service.ping_url ? "Copy the ping URL into your job." : "The first check runs now.",
          );
          navigate(`/services/${service.id}`, { state: { created: true } });
        }}
      />
    </>
  );
}
