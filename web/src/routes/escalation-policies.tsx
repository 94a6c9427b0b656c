/** Escalation policies: who is told next while an alert stays unacknowledged. */
import { Plus, TrendingUp } from "lucide-react";
import { Link, useSearchParams } from "react-router";
import { useChannelNames } from "@/components/channel-picker";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatCount } from "@/lib/format";
import { describeSteps } from "@/lib/policy-form";
import { usePolicies } from "@/queries/escalation-policies";
import { canEdit, useUser } from "@/session/use-session";

const PER_PAGE = 50;

export function Component() {
  const user = useUser();
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const policies = usePolicies(page, PER_PAGE);
  const channelNames = useChannelNames();
  const editor = canEdit(user);

  return (
    <>
      <PageHeader
        title="Escalation policies"
        description={policies.data ? `${formatCount(policies.data.total)} in all` : "Who is told next while nobody acknowledges."}
        actions={
          editor ? (
            <Button asChild>
              <Link to="/escalation-policies/new">
                <Plus aria-hidden="true" />
                Add policy
              </Link>
            </Button>
          ) : null
        }
      />
      {policies.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load the policies: {policies.error.message}
        </p>
      ) : policies.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading policies">
          {[0, 1].map((i) => (
            <Skeleton key={i} className="h-12" />
          ))}
        </div>
      ) : policies.data.total === 0 ? (
        <EmptyState
          icon={TrendingUp}
          title="No escalation policies"
          action={
            editor ? (
              <Button asChild>
                <Link to="/escalation-policies/new">
                  <Plus aria-hidden="true" />
                  Add a policy
                </Link>
              </Button>
            ) : null
          }
        >
          A policy tells more people, step by step, while an alert stays unacknowledged. Create one, then pick it in an alert
          rule.
        </EmptyState>
      ) : (
        <>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Escalation policies</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">Policy</TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    First step tells
                  </TableHead>
                  <TableHead scope="col" className="text-right">
                    Repeats
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {policies.data.items.map((p) => {
                  const first = p.steps[0];
                  const who = [
                    ...(first?.channels ?? []).map((id) => channelNames.get(id) ?? "unknown channel"),
                    ...(first?.users?.length ? [`${first.users.length} ${first.users.length === 1 ? "user" : "users"}`] : []),
                  ];
                  return (
                    <TableRow key={p.id}>
                      <TableCell className="max-w-0 min-w-48">
                        <Link to={`/escalation-policies/${p.id}`} className="block truncate font-medium hover:underline">
                          {p.name}
                        </Link>
                        <span className="block truncate text-xs text-muted-foreground">
                          {p.steps.length} {p.steps.length === 1 ? "step" : "steps"}: {describeSteps(p.steps)}
                        </span>
                      </TableCell>
                      <TableCell className="hidden max-w-64 truncate text-sm text-muted-foreground md:table-cell">
                        {who.join(", ") || "—"}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">{p.repeat}</TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </div>
          <Pagination
            page={page}
            perPage={PER_PAGE}
            total={policies.data.total}
            onPage={(n) => setSearch(n > 1 ? { page: String(n) } : {}, { replace: true })}
            label="Policy pages"
          />
        </>
      )}
    </>
  );
}
