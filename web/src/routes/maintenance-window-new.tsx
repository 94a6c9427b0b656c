import { ArrowLeft } from "lucide-react";
import { Link, useNavigate } from "react-router";
import { PageHeader } from "@/components/page-header";
import { toast } from "@/components/ui/toast";
import { WindowForm } from "@/components/window-form";
import { emptyWindowDraft } from "@/lib/schedule";
import { useCreateWindow } from "@/queries/maintenance-windows";

export function Component() {
  const navigate = useNavigate();
  const create = useCreateWindow();
  return (
    <>
      <Link
        to="/maintenance-windows"
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        Maintenance windows
      </Link>
      <PageHeader title="Plan maintenance window" />
      <WindowForm
        initial={emptyWindowDraft()}
        submitLabel="Add window"
        cancelTo="/maintenance-windows"
        onSubmit={async (body) => {
          const w = await create.mutateAsync(body);
          toast("success", `Added ${w.name}`);
          navigate(`/maintenance-windows/${w.id}`);
        }}
      />
    </>
  );
}
