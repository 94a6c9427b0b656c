/**
 * Create or edit a domain: the domain and what to call it, when its status turns
 * warning or critical, the certificate check, and how often to look.
 */
import { useCallback } from "react";
import type { CreateDomainBody } from "@/api/types";
import { ApiField, FormProblems, LabelsField } from "@/components/api-field";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { cleanDomain, MAX_INTERVAL_H, MIN_INTERVAL_H, toDomainBody, type DomainDraft } from "@/lib/domain-form";
import { useApiForm } from "@/lib/use-api-form";

const SHOWN_PATHS = [
  "domain",
  "name",
  "description",
  "group",
  "labels",
  "enabled",
  "interval_s",
  "timeout_s",
  "warning_threshold_days",
  "expiry_threshold_days",
  "check_ssl",
  "ssl_port",
  "ssl_host",
];

export function DomainForm({
  initial,
  editing,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial: DomainDraft;
  editing: boolean;
  submitLabel: string;
  /** Sends the body; rejects with an ApiError whose fields are shown on the inputs. */
  onSubmit: (body: CreateDomainBody) => Promise<void>;
  onCancel: () => void;
}) {
  const toBody = useCallback((draft: DomainDraft) => toDomainBody(draft, editing), [editing]);
  const form = useApiForm({ initial, toBody, shownPaths: SHOWN_PATHS, send: (body) => onSubmit(body) });
  const d = form.draft;
  const domain = cleanDomain(d.domain);

  return (
    <form onSubmit={form.onSubmit} noValidate className="flex max-w-3xl flex-col gap-4">
      <FormProblems form={form} />

      <Card>
        <CardHeader>
          <CardTitle>Domain</CardTitle>
          <CardDescription>
            Monitron reads the registration (RDAP, else WHOIS) and, if you like, the certificate served on the domain, and warns
            before either expires.
          </CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <ApiField form={form} path="domain" label="Domain" required hint="The registered name, such as example.com.">
            <Input
              value={d.domain}
              onChange={(e) => form.set("domain", e.target.value)}
              autoComplete="off"
              spellCheck={false}
              inputMode="url"
              placeholder="example.com"
            />
          </ApiField>
          <ApiField form={form} path="name" label="Name" hint={`Shown in lists; empty: ${domain || "the domain"}.`}>
            <Input value={d.name} onChange={(e) => form.set("name", e.target.value)} maxLength={200} />
          </ApiField>
          <ApiField form={form} path="description" label="Description">
            <Textarea
              value={d.description}
              onChange={(e) => form.set("description", e.target.value)}
              rows={2}
              className="font-sans text-sm"
            />
          </ApiField>
          <ApiField form={form} path="group" label="Group" hint="Domains are listed by group; access can be granted per group.">
            <Input value={d.group} onChange={(e) => form.set("group", e.target.value)} />
          </ApiField>
          <LabelsField form={form} id="domain-labels" />
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Expiry warnings</CardTitle>
          <CardDescription>
            The status turns warning, then critical, this many days before the registration or the certificate expires.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4 sm:grid-cols-2">
          <ApiField form={form} path="warning_threshold_days" label="Warning (days before expiry)" hint="1-365" required>
            <Input
              inputMode="numeric"
              value={d.warning_threshold_days}
              onChange={(e) =>
                form.set("warning_threshold_days", e.target.value, ["warning_threshold_days", "expiry_threshold_days"])
              }
            />
          </ApiField>
          <ApiField
            form={form}
            path="expiry_threshold_days"
            label="Critical (days before expiry)"
            hint="0-365, at most the warning"
            required
          >
            <Input
              inputMode="numeric"
              value={d.expiry_threshold_days}
              onChange={(e) => form.set("expiry_threshold_days", e.target.value)}
            />
          </ApiField>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Certificate</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <div className="flex items-center gap-3">
            <Switch
              id="domain-check-ssl"
              checked={d.check_ssl}
              onCheckedChange={(value) => form.set("check_ssl", value, ["check_ssl", "ssl_port", "ssl_host"])}
            />
            <Label htmlFor="domain-check-ssl">Also check the TLS certificate</Label>
          </div>
          {d.check_ssl ? (
            <div className="grid gap-4 sm:grid-cols-2">
              <ApiField form={form} path="ssl_host" label="Host" hint={`Where to fetch it; empty: ${domain || "the domain"}.`}>
                <Input
                  value={d.ssl_host}
                  onChange={(e) => form.set("ssl_host", e.target.value)}
                  autoComplete="off"
                  spellCheck={false}
                />
              </ApiField>
              <ApiField form={form} path="ssl_port" label="Port" hint="Usually 443." required>
                <Input inputMode="numeric" value={d.ssl_port} onChange={(e) => form.set("ssl_port", e.target.value)} />
              </ApiField>
            </div>
          ) : null}
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Schedule</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <div className="grid gap-4 sm:grid-cols-2">
            <ApiField
              form={form}
              path="interval_s"
              label="Check every (hours)"
              hint={`${MIN_INTERVAL_H}-${MAX_INTERVAL_H}; registries limit how often they may be asked.`}
              required
            >
              <Input
                inputMode="decimal"
                value={d.interval_h}
                onChange={(e) => form.set("interval_h", e.target.value, ["interval_s"])}
              />
            </ApiField>
            <ApiField form={form} path="timeout_s" label="Timeout (seconds)" hint="1-300" required>
              <Input inputMode="numeric" value={d.timeout_s} onChange={(e) => form.set("timeout_s", e.target.value)} />
            </ApiField>
          </div>
          <div className="flex items-center gap-3">
            <Switch id="domain-enabled" checked={d.enabled} onCheckedChange={(value) => form.set("enabled", value)} />
            <Label htmlFor="domain-enabled">{d.enabled ? "Checking is on" : "Paused"}</Label>
          </div>
        </CardContent>
      </Card>

      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={form.busy}>
          {form.busy ? "Saving…" : submitLabel}
        </Button>
        <Button variant="outline" onClick={onCancel} disabled={form.busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
