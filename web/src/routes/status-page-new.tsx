import { ArrowLeft } from "lucide-react";
import { useMemo } from "react";
import { Link, useNavigate } from "react-router";
import { PageHeader } from "@/components/page-header";
import { PageForm } from "@/components/status-page/page-form";
import { toast } from "@/components/ui/toast";
import { emptyPageDraft } from "@/lib/status-pages";
import { useCreateStatusPage } from "@/queries/status-pages";

export function Component() {
  const navigate = useNavigate();
  const create = useCreateStatusPage();
  const initial = useMemo(emptyPageDraft, []);
  return (
    <>
      <Link
        to="/status-pages"
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        Status pages
      </Link>
      <PageHeader title="New status page" />
      <PageForm
        initial={initial}
        submitLabel="Create page"
        cancelTo="/status-pages"
        onSubmit={async (body) => {
          const page = await create.mutateAsync(body);
          toast("success", `Created ${page.title}`);
          navigate(`/status-pages/${page.id}`);
        }}
      />
    </>
  );
}
