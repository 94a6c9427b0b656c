/**
 * One domain: what its last check found about the registration (registrar, expiry, name
 * servers) and the certificate (issuer, validity), statistics, the lookup-time chart,
 * 90 days of uptime, incidents, raw results, and the actions (run now, pause/resume,
 * edit, delete).
 */
import { ArrowLeft, Pause, Pencil, Play, RefreshCw, Trash2 } from "lucide-react";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import type { CheckResult, Domain } from "@/api/types";
import { certificateOf, DaysLeft, DomainStatusBadge, issuerName } from "@/components/domain-status";
import {
  DetailSkeleton,
  IncidentsCard,
  MonitorLoadError,
  ResponseTimeCard,
  ResultsCard,
  Setting,
  StatsSection,
  UptimeCard,
} from "@/components/monitor-detail";
import { PageHeader } from "@/components/page-header";
import { RelativeTime } from "@/components/relative-time";
import { StatusBadge } from "@/components/status-badge";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { toast } from "@/components/ui/toast";
import { formatMs } from "@/lib/format";
import { formatAbsolute, formatDuration } from "@/lib/time";
import { useDeleteDomain, useDomain, usePauseDomain, useRunDomain } from "@/queries/domains";
import { canEdit, useUser } from "@/session/use-session";

function When({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="text-muted-foreground">Unknown</span>;
  return (
    <span>
      {formatAbsolute(value)}{" "}
      <span className="text-xs text-muted-foreground">
        (<RelativeTime value={value} />)
      </span>
    </span>
  );
}

function Overview({ domain, lastRun }: { domain: Domain; lastRun: CheckResult | null }) {
  const status = domain.enabled ? domain.state.status : "paused";
  return (
    <Card>
      <CardContent className="pt-4">
        <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <Setting label="Status">
            <span className="flex flex-wrap items-center gap-2">
              <StatusBadge status={status} />
              {domain.state.status_since ? (
                <span className="text-xs text-muted-foreground">
                  since <RelativeTime value={domain.state.status_since} />
                </span>
              ) : null}
            </span>
          </Setting>
          <Setting label="Expiry">
            <DomainStatusBadge status={domain.status} />
          </Setting>
          <Setting label="Last check">
            <RelativeTime value={domain.state.last_checked_at} />
            {domain.state.last_response_ms != null ? ` · ${formatMs(domain.state.last_response_ms)}` : ""}
          </Setting>
          <Setting label="Checked every">
            {formatDuration(domain.interval_s)} (timeout {formatDuration(domain.timeout_s)})
          </Setting>
          <Setting label="Warning, critical">
            {domain.warning_threshold_days} and {domain.expiry_threshold_days} days before expiry
          </Setting>
          <Setting label="Group">{domain.group || <span className="text-muted-foreground">None</span>}</Setting>
          {domain.state.message ? (
            <Setting label="Last message" className="sm:col-span-2">
              {domain.state.message}
            </Setting>
          ) : null}
          {Object.keys(domain.labels).length ? (
            <Setting label="Labels" className="sm:col-span-2 lg:col-span-4">
              <span className="flex flex-wrap gap-1">
                {Object.entries(domain.labels).map(([k, v]) => (
                  <Badge key={k} className="font-mono">
                    {k}={v}
                  </Badge>
                ))}
              </span>
            </Setting>
          ) : null}
          {lastRun ? (
            <Setting label="Check run just now" className="sm:col-span-2 lg:col-span-4">
              <span role="status" className="flex flex-wrap items-center gap-2">
                <StatusBadge status={lastRun.status} />
                {formatMs(lastRun.response_ms)} · {lastRun.message}
              </span>
            </Setting>
          ) : null}
        </dl>
      </CardContent>
    </Card>
  );
}

function RegistrationCard({ domain }: { domain: Domain }) {
  const d = domain.details;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Registration</CardTitle>
      </CardHeader>
      <CardContent>
        {!d ? (
          <p className="text-sm text-muted-foreground">
            Not looked up yet: the first check runs shortly after the domain is added.
          </p>
        ) : (
          <dl className="grid gap-4 sm:grid-cols-2">
            {d.error ? (
              <Setting label="Lookup failed" className="sm:col-span-2">
                <span className="text-down-text">{d.error}</span>
              </Setting>
            ) : null}
            {d.expires_at || !d.error ? (
              <>
                <Setting label="Expires">
                  <When value={d.expires_at} />
                </Setting>
                <Setting label="Days left">
                  <DaysLeft days={d.days_left} warning={domain.warning_threshold_days} critical={domain.expiry_threshold_days} />
                </Setting>
                <Setting label="Registrar">{d.registrar || <span className="text-muted-foreground">Unknown</span>}</Setting>
                <Setting label="Registered">
                  <When value={d.registered_at} />
                </Setting>
              </>
            ) : null}
            <Setting label="Name servers">
              {d.nameservers.length ? (
                <ul className="font-mono text-xs">
                  {d.nameservers.map((ns) => (
                    <li key={ns}>{ns}</li>
                  ))}
                </ul>
              ) : (
                <span className="text-muted-foreground">None found</span>
              )}
            </Setting>
            <Setting label="Resolves to">
              {d.resolved_ips.length ? (
                <ul className="font-mono text-xs">
                  {d.resolved_ips.map((ip) => (
                    <li key={ip}>{ip}</li>
                  ))}
                </ul>
              ) : (
                <span className="text-muted-foreground">No addresses</span>
              )}
            </Setting>
            {d.source ? (
              <Setting label="Source">{d.source === "rdap" ? "RDAP" : d.source === "whois" ? "WHOIS" : d.source}</Setting>
            ) : null}
          </dl>
        )}
      </CardContent>
    </Card>
  );
}

function CertificateCard({ domain }: { domain: Domain }) {
  const cert = certificateOf(domain.details?.ssl);
  const yesNo = (value: boolean | null | undefined, yes: string, no: string) =>
    value === null || value === undefined ? (
      <span className="text-muted-foreground">Unknown</span>
    ) : value ? (
      yes
    ) : (
      <span className="text-down-text">{no}</span>
    );
  return (
    <Card>
      <CardHeader>
        <CardTitle>Certificate</CardTitle>
      </CardHeader>
      <CardContent>
        {!domain.check_ssl ? (
          <p className="text-sm text-muted-foreground">The certificate is not checked for this domain.</p>
        ) : !cert ? (
          <p className="text-sm text-muted-foreground">Not checked yet.</p>
        ) : (
          <dl className="grid gap-4 sm:grid-cols-2">
            {cert.error ? (
              <Setting label="Problem" className="sm:col-span-2">
                <span className="text-down-text">{cert.error}</span>
              </Setting>
            ) : null}
            {cert.valid_to || !cert.error ? (
              <>
                <Setting label="Expires">
                  <When value={cert.valid_to} />
                </Setting>
                <Setting label="Days left">
                  <DaysLeft
                    days={cert.days_left}
                    warning={domain.warning_threshold_days}
                    critical={domain.expiry_threshold_days}
                  />
                </Setting>
                <Setting label="Issuer">
                  <span title={cert.issuer ?? undefined}>
                    {issuerName(cert.issuer) ?? <span className="text-muted-foreground">Unknown</span>}
                  </span>
                </Setting>
                <Setting label="Valid from">
                  <When value={cert.valid_from} />
                </Setting>
                <Setting label="Chain">{yesNo(cert.chain_valid, "Trusted", "Not trusted")}</Setting>
                <Setting label="Name">{yesNo(cert.hostname_match, "Matches the host", "Does not match the host")}</Setting>
              </>
            ) : null}
            {cert.subject ? <Setting label="Subject">{cert.subject}</Setting> : null}
            {cert.tls_version || cert.resolved_ip ? (
              <Setting label="Connection">
                {[cert.tls_version, cert.resolved_ip ? `${cert.resolved_ip}:${domain.ssl_port}` : null]
                  .filter(Boolean)
                  .join(" · ")}
              </Setting>
            ) : null}
            {cert.sans?.length ? (
              <Setting label="Valid for" className="sm:col-span-2">
                <span className="font-mono text-xs">{cert.sans.join(", ")}</span>
              </Setting>
            ) : null}
            {cert.fingerprint_sha256 ? (
              <Setting label="SHA-256 fingerprint" className="sm:col-span-2">
                <span className="font-mono text-xs break-all">{cert.fingerprint_sha256}</span>
              </Setting>
            ) : null}
          </dl>
        )}
      </CardContent>
    </Card>
  );
}

export function Component() {
  const { id = "" } = useParams();
  const user = useUser();
  const navigate = useNavigate();
  const domain = useDomain(id);
  const run = useRunDomain(id);
  const pause = usePauseDomain(id);
  const remove = useDeleteDomain(id);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [lastRun, setLastRun] = useState<CheckResult | null>(null);

  if (domain.isPending) return <DetailSkeleton />;
  if (domain.isError) return <MonitorLoadError error={domain.error} noun="domain" listPath="/domains" />;

  const d = domain.data;
  const editor = canEdit(user);

  const runNow = () =>
    run.mutate(undefined, {
      onSuccess: (result) => {
        setLastRun(result);
        toast(
          result.status === "up" ? "success" : "error",
          `Check ${result.status === "up" ? "passed" : "failed"}`,
          result.message,
        );
      },
      onError: (error) => toast("error", "Could not run the check", error.message),
    });
  const togglePause = () =>
    pause.mutate(d.enabled, {
      onSuccess: (updated) => toast("success", updated.enabled ? "Checks resumed" : "Checks paused"),
      onError: (error) => toast("error", "Could not change it", error.message),
    });
  const doDelete = () =>
    remove.mutate(undefined, {
      onSuccess: () => {
        toast("success", `Deleted ${d.name}`);
        navigate("/domains", { replace: true });
      },
      onError: (error) => {
        setConfirmDelete(false);
        toast("error", "Could not delete it", error.message);
      },
    });

  return (
    <>
      <Link to="/domains" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Domains
      </Link>
      <PageHeader
        title={d.name}
        description={
          <span className="flex flex-wrap items-center gap-x-2">
            <span>Domain</span>
            {d.name !== d.domain ? <span className="font-mono text-xs break-all">{d.domain}</span> : null}
          </span>
        }
        actions={
          editor ? (
            <>
              <Button variant="outline" onClick={runNow} disabled={run.isPending}>
                <RefreshCw aria-hidden="true" className={run.isPending ? "animate-spin" : undefined} />
                {run.isPending ? "Checking…" : "Run now"}
              </Button>
              <Button variant="outline" onClick={togglePause} disabled={pause.isPending}>
                {d.enabled ? <Pause aria-hidden="true" /> : <Play aria-hidden="true" />}
                {d.enabled ? "Pause" : "Resume"}
              </Button>
              <Button variant="outline" asChild>
                <Link to={`/domains/${d.id}/edit`}>
                  <Pencil aria-hidden="true" />
                  Edit
                </Link>
              </Button>
              <Button variant="destructive" onClick={() => setConfirmDelete(true)}>
                <Trash2 aria-hidden="true" />
                Delete
              </Button>
            </>
          ) : null
        }
      >
        {d.description ? <p className="mt-2 max-w-prose text-sm">{d.description}</p> : null}
      </PageHeader>

      <div className="flex flex-col gap-4">
        <Overview domain={d} lastRun={lastRun} />
        <div className="grid gap-4 lg:grid-cols-2">
          <RegistrationCard domain={d} />
          <CertificateCard domain={d} />
        </div>
        <StatsSection kind="domain" id={d.id} />
        <ResponseTimeCard kind="domain" id={d.id} title="Lookup time" initialRange={30 * 86_400} />
        <UptimeCard kind="domain" id={d.id} />
        <IncidentsCard kind="domain" id={d.id} />
        <ResultsCard kind="domain" id={d.id} />
      </div>

      <ConfirmDialog
        open={confirmDelete}
        onOpenChange={setConfirmDelete}
        title={`Delete ${d.name}?`}
        description="Its checks stop and its history, incidents and uptime are deleted. This cannot be undone."
        confirmLabel="Delete domain"
        busy={remove.isPending}
        onConfirm={doDelete}
      />
    </>
  );
}
