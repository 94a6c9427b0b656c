/** Alert rules: what fires an alert, about which monitors, and who is told. */
import { Plus, Siren } from "lucide-react";
import { Link, useSearchParams } from "react-router";
import { useChannelNames } from "@/components/channel-picker";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { SeverityBadge } from "@/components/severity-badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { errorText } from "@/lib/error-text";
import { formatCount } from "@/lib/format";
import { describeCondition, type Rule } from "@/lib/rule-form";
import { describeSelector } from "@/lib/selector";
import { formatDuration } from "@/lib/time";
import { useRules, useUpdateRule } from "@/queries/alert-rules";
import { canEdit, useUser } from "@/session/use-session";

const PER_PAGE = 50;

function RuleRow({ rule, editor, channelNames }: { rule: Rule; editor: boolean; channelNames: Map<string, string> }) {
  const update = useUpdateRule();
  const channels = rule.channels.length
    ? rule.channels.map((id) => channelNames.get(id) ?? "unknown channel").join(", ")
    : "Default channels";
  return (
    <TableRow>
      <TableCell className="w-14">
        {editor ? (
          <Switch
            checked={rule.enabled}
            disabled={update.isPending}
            aria-label={`${rule.name}: ${rule.enabled ? "on" : "off"}`}
            onCheckedChange={(enabled) =>
              update.mutate(
                { id: rule.id, body: { enabled } },
                {
                  onSuccess: (saved) => toast("success", `${saved.name} is ${saved.enabled ? "on" : "off"}`),
                  onError: (error) => toast("error", `Could not change ${rule.name}`, errorText(error, "This rule")),
                },
              )
            }
          />
        ) : (
          <span className="text-xs text-muted-foreground">{rule.enabled ? "On" : "Off"}</span>
        )}
      </TableCell>
      <TableCell className="max-w-0 min-w-48">
        <Link to={`/alert-rules/${rule.id}`} className="block truncate font-medium hover:underline">
          {rule.name}
        </Link>
        <span className="block truncate text-xs text-muted-foreground">
          {describeCondition(rule.condition)}
          {rule.for_s ? ` for ${formatDuration(rule.for_s)}` : ""} · {describeSelector(rule.targets)}
        </span>
      </TableCell>
      <TableCell className="hidden sm:table-cell">
        <SeverityBadge severity={rule.severity} />
      </TableCell>
      <TableCell className="hidden max-w-64 truncate text-sm text-muted-foreground md:table-cell">
        {channels}
        {rule.escalation_policy_id ? " · escalates" : ""}
      </TableCell>
    </TableRow>
  );
}

export function Component() {
  const user = useUser();
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const rules = useRules(page, PER_PAGE);
  const channelNames = useChannelNames();
  const editor = canEdit(user);

  return (
    <>
      <PageHeader
        title="Alert rules"
        description={rules.data ? `${formatCount(rules.data.total)} in all` : "What fires an alert, and who is told."}
        actions={
          editor ? (
            <Button asChild>
              <Link to="/alert-rules/new">
                <Plus aria-hidden="true" />
                Add rule
              </Link>
            </Button>
          ) : null
        }
      />
      {rules.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load the rules: {rules.error.message}
        </p>
      ) : rules.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading rules">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} className="h-12" />
          ))}
        </div>
      ) : rules.data.total === 0 ? (
        <EmptyState
          icon={Siren}
          title="No alert rules"
          action={
            editor ? (
              <Button asChild>
                <Link to="/alert-rules/new">
                  <Plus aria-hidden="true" />
                  Add a rule
                </Link>
              </Button>
            ) : null
          }
        >
          Without rules nothing alerts. Add one such as “Any monitor down” and name the channels to tell.
        </EmptyState>
      ) : (
        <>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Alert rules</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">On</TableHead>
                  <TableHead scope="col">Rule</TableHead>
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Severity
                  </TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Tells
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {rules.data.items.map((rule) => (
                  <RuleRow key={rule.id} rule={rule} editor={editor} channelNames={channelNames} />
                ))}
              </TableBody>
            </Table>
          </div>
          <Pagination
            page={page}
            perPage={PER_PAGE}
            total={rules.data.total}
            onPage={(p) => setSearch(p > 1 ? { page: String(p) } : {}, { replace: true })}
            label="Rule pages"
          />
        </>
      )}
    </>
  );
}
