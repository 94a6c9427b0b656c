/**
 * How to install and start the agent for this instance: the copy-paste commands pointed at
 * this server with a one-time enrollment token (push), or listening for the server with
 * the instance's credentials (pull); and issuing a new token for a new or reinstalled host.
 */
import { KeyRound, PlugZap } from "lucide-react";
import { useState } from "react";
import type { Instance } from "@/api/types";
import { CopyButton } from "@/components/copy-button";
import { RelativeTime } from "@/components/relative-time";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { toast } from "@/components/ui/toast";
import { cn } from "@/lib/cn";
import { foregroundCommand, pullSettings, pushSettings, serverUrlOf, systemdCommand, type Setting } from "@/lib/install-command";
import { useEnrollmentToken } from "@/queries/instances";

type Way = "systemd" | "foreground";

function Commands({ settings }: { settings: Setting[] }) {
  const [way, setWay] = useState<Way>("systemd");
  const command = way === "systemd" ? systemdCommand(settings) : foregroundCommand(settings);
  return (
    <div className="flex flex-col gap-2">
      <div role="group" aria-label="How to run the agent" className="flex w-fit flex-wrap rounded-md border p-0.5">
        {(
          [
            ["systemd", "As a service (systemd)"],
            ["foreground", "In the foreground"],
          ] as const
        ).map(([value, label]) => (
          <button
            key={value}
            type="button"
            aria-pressed={way === value}
            onClick={() => setWay(value)}
            className={cn(
              "rounded-sm px-2 py-1 text-xs font-medium text-muted-foreground hover:text-foreground",
              way === value && "bg-primary text-primary-foreground hover:text-primary-foreground",
            )}
          >
            {label}
          </button>
        ))}
      </div>
      <p className="text-sm text-muted-foreground">
        {way === "systemd" ? (
          <>
            With <code className="font-mono text-xs">/usr/local/bin/monitron-agent</code> and the unit{" "}
            <code className="font-mono text-xs">monitron-agent.service</code> (shipped with Monitron in{" "}
            <code className="font-mono text-xs">deploy/systemd/</code>) in{" "}
            <code className="font-mono text-xs">/etc/systemd/system/</code>, run on the host:
          </>
        ) : (
          <>
            With <code className="font-mono text-xs">monitron-agent</code> on the PATH, run on the host (it stops with the
            terminal):
          </>
        )}
      </p>
      <pre
        tabIndex={0}
        aria-label="Install command"
        className="max-w-full overflow-x-auto rounded-md border bg-muted p-3 font-mono text-xs leading-relaxed"
      >
        {command}
      </pre>
      <div>
        <CopyButton text={command} label="Copy command" />
      </div>
    </div>
  );
}

export function InstallCard({ instance, token, editor }: { instance: Instance; token: string | null; editor: boolean }) {
  const issue = useEnrollmentToken(instance.id);
  const [fresh, setFresh] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(false);
  const shown = fresh ?? token;
  const serverUrl = serverUrlOf(window.location);

  const newToken = () =>
    issue.mutate(undefined, {
      onSuccess: (data) => {
        setConfirm(false);
        setFresh(data.enrollment_token);
        toast("success", "New enrollment token", "Install the agent with the command shown; the token works once.");
      },
      onError: (error) => {
        setConfirm(false);
        toast("error", "Could not issue a token", error.message);
      },
    });

  if (instance.connection === "pull") {
    return (
      <Card>
        <CardHeader>
          <CardTitle className="flex items-center gap-2">
            <PlugZap className="size-4" aria-hidden="true" />
            Install the agent
          </CardTitle>
          <CardDescription>
            The server polls the agent at{" "}
            <code className="font-mono text-xs">
              {instance.tls ? "https" : "http"}://{instance.host}:{instance.agent_port}
            </code>
            : the agent must listen there with the same credentials as this instance. Fill in the secret you gave it.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <Commands settings={pullSettings(instance.agent_auth, instance.agent_port)} />
        </CardContent>
      </Card>
    );
  }

  return (
    <Card className={shown ? "border-primary-text/50" : undefined}>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <PlugZap className="size-4" aria-hidden="true" />
          {shown ? "Install the agent" : instance.enrolled_at ? "Agent" : "Waiting for the agent"}
        </CardTitle>
        <CardDescription>
          {shown ? (
            <>
              The agent connects to this server ({serverUrl}) and enrolls with the token below. The token works once and is shown
              only now.
            </>
          ) : instance.enrolled_at ? (
            <>
              Enrolled <RelativeTime value={instance.enrolled_at} />;{" "}
              {instance.connected ? "connected now." : "not connected now."}
            </>
          ) : (
            <>No agent has enrolled yet. Install it with a new enrollment token; the token of an earlier command stops working.</>
          )}
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {shown ? <Commands settings={pushSettings(serverUrl, shown)} /> : null}
        {editor ? (
          <div className="flex flex-wrap items-center gap-2">
            <Button
              variant={shown ? "outline" : "default"}
              size={shown ? "sm" : "default"}
              disabled={issue.isPending}
              onClick={() => (instance.enrolled_at ? setConfirm(true) : newToken())}
            >
              <KeyRound aria-hidden="true" />
              {instance.enrolled_at ? "Move to a new host" : shown ? "Issue another token" : "Create enrollment token"}
            </Button>
          </div>
        ) : !shown && !instance.enrolled_at ? (
          <p className="text-sm text-muted-foreground">An editor can create the enrollment token the agent needs.</p>
        ) : null}
      </CardContent>
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title="Issue a new enrollment token?"
        description="The agent enrolled now stops reporting: its credential no longer works. Install the agent on the new host with the new token."
        confirmLabel="Issue token"
        busy={issue.isPending}
        onConfirm={newToken}
      />
    </Card>
  );
}
