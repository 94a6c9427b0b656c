/** Who subscribed to a page by e-mail (editors): confirmed or waiting, and removing one. */
import { Mail, Trash2 } from "lucide-react";
import { useState } from "react";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { errorText } from "@/lib/error-text";
import type { StatusPage, Subscriber } from "@/lib/status-pages";
import { useAuthStatus } from "@/queries/auth-status";
import { useDeleteSubscriber, useSubscribers } from "@/queries/status-pages";

const PER_PAGE = 50;

export function PageSubscribers({ page }: { page: StatusPage }) {
  const [n, setN] = useState(1);
  const subscribers = useSubscribers(page.id, n, PER_PAGE);
  const status = useAuthStatus();
  const remove = useDeleteSubscriber(page.id);
  const [removing, setRemoving] = useState<Subscriber | null>(null);
  const [removeError, setRemoveError] = useState<string | null>(null);
  const mailOff = status.data?.email_enabled === false;

  return (
    <section aria-labelledby="subscribers-heading" className="flex flex-col gap-3">
      <div>
        <h2 id="subscribers-heading" className="text-base font-semibold">
          Subscribers
        </h2>
        <p className="text-sm text-muted-foreground">
          People who get this page's incidents, their updates and its maintenance by e-mail, once they confirm their address.
        </p>
      </div>
      {mailOff ? (
        <p role="status" className="rounded-md border border-pending/50 bg-pending-soft px-3 py-2 text-sm text-pending-text">
          E-mail is not set up on this server, so the page offers no subscription. Set EMAIL_HOST and EMAIL_FROM to open it.
        </p>
      ) : null}
      {subscribers.isPending ? (
        <Skeleton className="h-24" />
      ) : subscribers.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load the subscribers: {subscribers.error.message}
        </p>
      ) : subscribers.data.total === 0 ? (
        <div className="flex flex-col items-center gap-2 rounded-lg border border-dashed px-6 py-10 text-center">
          <Mail className="size-7 text-muted-foreground" aria-hidden="true" />
          <h3 className="font-medium">Nobody has subscribed yet</h3>
          <p className="max-w-md text-sm text-muted-foreground">
            Visitors subscribe with the form at the bottom of the page; each confirms through a link mailed to them.
          </p>
        </div>
      ) : (
        <>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Subscribers</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">E-mail</TableHead>
                  <TableHead scope="col">Confirmed</TableHead>
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Subscribed
                  </TableHead>
                  <TableHead scope="col">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {subscribers.data.items.map((s) => (
                  <TableRow key={s.id}>
                    <TableCell className="max-w-0 min-w-36 truncate font-medium">{s.email}</TableCell>
                    <TableCell className="whitespace-nowrap">
                      {s.confirmed_at ? (
                        <RelativeTime value={s.confirmed_at} />
                      ) : (
                        <Badge className="bg-pending-soft text-pending-text">Not yet</Badge>
                      )}
                    </TableCell>
                    <TableCell className="hidden whitespace-nowrap sm:table-cell">
                      <RelativeTime value={s.created_at} />
                    </TableCell>
                    <TableCell className="text-right">
                      <Button
                        variant="ghost"
                        size="sm"
                        aria-label={`Remove ${s.email}`}
                        onClick={() => {
                          setRemoveError(null);
                          setRemoving(s);
                        }}
                      >
                        <Trash2 aria-hidden="true" />
                        <span className="hidden sm:inline">Remove</span>
                      </Button>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <Pagination page={n} perPage={PER_PAGE} total={subscribers.data.total} onPage={setN} label="Subscriber pages" />
        </>
      )}
      <ConfirmDialog
        open={removing !== null}
        onOpenChange={(open) => !open && setRemoving(null)}
        title={`Remove ${removing?.email ?? "subscriber"}?`}
        description="No more mail from this page goes to the address. They may subscribe again from the page."
        confirmLabel="Remove subscriber"
        busy={remove.isPending}
        onConfirm={() => {
          if (!removing) return;
          remove.mutate(removing.id, {
            onSuccess: () => {
              toast("success", `Removed ${removing.email}`);
              setRemoving(null);
            },
            onError: (error) => setRemoveError(errorText(error, "This subscriber")),
          });
        }}
      >
        {removeError ? (
          <p role="alert" className="rounded-md border border-down/50 bg-down-soft px-3 py-2 text-sm text-down-text">
            {removeError}
          </p>
        ) : null}
      </ConfirmDialog>
    </section>
  );
}
