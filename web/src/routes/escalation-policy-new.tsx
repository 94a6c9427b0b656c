import { ArrowLeft } from "lucide-react";
import { Link, useNavigate } from "react-router";
import { PageHeader } from "@/components/page-header";
import { PolicyForm } from "@/components/policy-form";
import { toast } from "@/components/ui/toast";
import { emptyPolicyDraft } from "@/lib/policy-form";
import { useCreatePolicy } from "@/queries/escalation-policies";

export function Component() {
  const navigate = useNavigate();
  const create = useCreatePolicy();
  return (
    <>
      <Link
        to="/escalation-policies"
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        Escalation policies
      </Link>
      <PageHeader title="Add escalation policy" />
      <PolicyForm
        initial={emptyPolicyDraft()}
        submitLabel="Add policy"
        cancelTo="/escalation-policies"
        onSubmit={async (body) => {
          const policy = await create.mutateAsync(body);
          toast("success", `Added ${policy.name}`, "Pick it in an alert rule to use it.");
          navigate("/escalation-policies");
        }}
      />
    </>
  );
}
