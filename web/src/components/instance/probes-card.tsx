/** The agent's probes and plugin checks with their last results (`GET /instances/{id}/probes`). */
import { RelativeTime } from "@/components/relative-time";
import { StatusBadge } from "@/components/status-badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatMs } from "@/lib/format";
import { useInstanceProbes } from "@/queries/instances";

export function ProbesCard({ id, editor }: { id: string; editor: boolean }) {
  const probes = useInstanceProbes(id);
  const items = probes.data ?? [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Probes and plugins</CardTitle>
      </CardHeader>
      <CardContent>
        {probes.isPending ? (
          <Skeleton className="h-20" />
        ) : probes.isError ? (
          <p className="text-sm text-destructive-text">{probes.error.message}</p>
        ) : items.length === 0 ? (
          <p className="text-sm text-muted-foreground">
            No results yet.{" "}
            {editor
              ? "Add probes in the agent configuration below to check what this host can reach (ping, traceroute, TCP, UDP, HTTP…); plugin checks appear once a plugin reports."
              : "Probes and plugin checks show here once the agent runs them."}
          </p>
        ) : (
          <Table>
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead scope="col">Name</TableHead>
                <TableHead scope="col">Result</TableHead>
                <TableHead scope="col" className="hidden text-right sm:table-cell">
                  Time
                </TableHead>
                <TableHead scope="col" className="hidden md:table-cell">
                  Message
                </TableHead>
                <TableHead scope="col" className="text-right">
                  Last run
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((p) => (
                <TableRow key={`${p.source}:${p.name}`}>
                  <TableCell>
                    <span className="font-medium break-all">{p.name}</span>
                    <span className="block text-xs text-muted-foreground">
                      {p.source === "plugin" ? "Plugin" : "Probe"} · {p.type}
                    </span>
                  </TableCell>
                  <TableCell>
                    <StatusBadge status={p.status} />
                    {p.message ? <span className="mt-1 block text-xs text-muted-foreground md:hidden">{p.message}</span> : null}
                  </TableCell>
                  <TableCell className="hidden text-right tabular-nums sm:table-cell">{formatMs(p.response_ms)}</TableCell>
                  <TableCell className="hidden min-w-48 wrap-anywhere text-muted-foreground md:table-cell">
                    {p.message ?? ""}
                  </TableCell>
                  <TableCell className="text-right whitespace-nowrap">
                    <RelativeTime value={p.last_at} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}
