import { ArrowLeft } from "lucide-react";
import { Link, useNavigate } from "react-router";
import { PageHeader } from "@/components/page-header";
import { RuleForm } from "@/components/rule-form";
import { toast } from "@/components/ui/toast";
import { emptyRuleDraft } from "@/lib/rule-form";
import { useCreateRule } from "@/queries/alert-rules";

export function Component() {
  const navigate = useNavigate();
  const create = useCreateRule();
  return (
    <>
      <Link to="/alert-rules" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Alert rules
      </Link>
      <PageHeader title="Add alert rule" />
      <RuleForm
        initial={emptyRuleDraft()}
        submitLabel="Add rule"
        cancelTo="/alert-rules"
        onSubmit={async (body) => {
          const rule = await create.mutateAsync(body);
          toast("success", `Added ${rule.name}`, "It judges the monitors now.");
          navigate("/alert-rules");
        }}
      />
    </>
  );
}
