import { ArrowLeft, SearchX, Trash2 } from "lucide-react";
import { useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "@/api/envelope";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { RuleForm } from "@/components/rule-form";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { errorText } from "@/lib/error-text";
import { describeCondition, ruleDraft } from "@/lib/rule-form";
import { describeSelector } from "@/lib/selector";
import { useDeleteRule, useRule, useUpdateRule } from "@/queries/alert-rules";
import { canEdit, useUser } from "@/session/use-session";

export function Component() {
  const { id = "" } = useParams();
  const user = useUser();
  const navigate = useNavigate();
  const rule = useRule(id);
  const update = useUpdateRule();
  const remove = useDeleteRule();
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const initial = useMemo(() => (rule.data ? ruleDraft(rule.data) : null), [rule.data?.id, rule.data?.updated_at]);

  if (rule.isPending) return <Skeleton className="h-96 max-w-3xl" />;
  if (rule.isError || !initial) {
    const missing = rule.error instanceof ApiError && rule.error.status === 404;
    return (
      <EmptyState
        icon={SearchX}
        title={missing ? "Rule not found" : "Could not load this rule"}
        action={
          <Button variant="outline" asChild>
            <Link to="/alert-rules">Back to rules</Link>
          </Button>
        }
      >
        {missing ? "It may have been deleted." : rule.error?.message}
      </EmptyState>
    );
  }
  const r = rule.data;
  const editor = canEdit(user);

  return (
    <>
      <Link to="/alert-rules" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Alert rules
      </Link>
      <PageHeader
        title={editor ? `Edit ${r.name}` : r.name}
        description={`${describeCondition(r.condition)} · ${describeSelector(r.targets)}`}
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
        <RuleForm
          key={`${id}:${r.updated_at}`}
          initial={initial}
          submitLabel="Save changes"
          cancelTo="/alert-rules"
          onSubmit={async (body) => {
            const saved = await update.mutateAsync({ id, body });
            toast("success", `Saved ${saved.name}`, "Its open alerts closed; it judges the monitors afresh.");
            navigate("/alert-rules");
          }}
        />
      ) : (
        <p className="text-sm text-muted-foreground">Editors and administrators change rules.</p>
      )}
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Delete ${r.name}?`}
        description="Its open alerts close and it fires no more."
        confirmLabel="Delete rule"
        busy={remove.isPending}
        onConfirm={() =>
          remove.mutate(id, {
            onSuccess: () => {
              toast("success", `Deleted ${r.name}`);
              navigate("/alert-rules", { replace: true });
            },
            onError: (error) => setDeleteError(errorText(error, "This rule")),
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
