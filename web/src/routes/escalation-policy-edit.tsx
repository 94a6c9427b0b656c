import { ArrowLeft, SearchX, Trash2 } from "lucide-react";
import { useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "@/api/envelope";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { PolicyForm } from "@/components/policy-form";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { errorText } from "@/lib/error-text";
import { describeSteps, policyDraft } from "@/lib/policy-form";
import { useDeletePolicy, usePolicy, useUpdatePolicy } from "@/queries/escalation-policies";
import { canEdit, useUser } from "@/session/use-session";

export function Component() {
  const { id = "" } = useParams();
  const user = useUser();
  const navigate = useNavigate();
  const policy = usePolicy(id);
  const update = useUpdatePolicy(id);
  const remove = useDeletePolicy();
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const initial = useMemo(() => (policy.data ? policyDraft(policy.data) : null), [policy.data?.id, policy.data?.updated_at]);

  if (policy.isPending) return <Skeleton className="h-96 max-w-3xl" />;
  if (policy.isError || !initial) {
    const missing = policy.error instanceof ApiError && policy.error.status === 404;
    return (
      <EmptyState
        icon={SearchX}
        title={missing ? "Policy not found" : "Could not load this policy"}
        action={
          <Button variant="outline" asChild>
            <Link to="/escalation-policies">Back to policies</Link>
          </Button>
        }
      >
        {missing ? "It may have been deleted." : policy.error?.message}
      </EmptyState>
    );
  }
  const p = policy.data;
  const editor = canEdit(user);

  return (
    <>
      <Link
        to="/escalation-policies"
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        Escalation policies
      </Link>
      <PageHeader
        title={editor ? `Edit ${p.name}` : p.name}
        description={`Steps ${describeSteps(p.steps)}; run again ${p.repeat} ${p.repeat === 1 ? "time" : "times"}.`}
        actions={
          editor ? (
            <Button
              variant="outline"
              onClick={() => {
                setDeleteError(null);
                setConfirming(true);
              }}
            >
              <Trash2 aria-hidden="true" />
              Delete
            </Button>
          ) : null
        }
      />
      {editor ? (
        <PolicyForm
          key={`${id}:${p.updated_at}`}
          initial={initial}
          submitLabel="Save changes"
          cancelTo="/escalation-policies"
          onSubmit={async (body) => {
            const saved = await update.mutateAsync(body);
            toast("success", `Saved ${saved.name}`, "Escalations already running keep the steps they started with.");
            navigate("/escalation-policies");
          }}
        />
      ) : (
        <p className="text-sm text-muted-foreground">Editors and administrators change policies.</p>
      )}
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Delete ${p.name}?`}
        description="Rules that name it must be changed first; escalations already running finish."
        confirmLabel="Delete policy"
        busy={remove.isPending}
        onConfirm={() =>
          remove.mutate(id, {
            onSuccess: () => {
              toast("success", `Deleted ${p.name}`);
              navigate("/escalation-policies", { replace: true });
            },
            onError: (error) => setDeleteError(errorText(error, "This policy")),
          })
        }
      >
        {deleteError ? (
          <p role="alert" className="rounded-md border border-down/50 bg-down-soft px-3 py-2 text-sm text-down-text">
            {deleteError}
          </p>
        ) : null}
      </ConfirmDialog>
    </>
  );
}
