/** The inputs of each check type, with its defaults and limits. */
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { DNS_RECORD_TYPES, HTTP_METHODS, MQTT_MODES, SECRET_MASK } from "@/lib/service-form";
import { Field, useServiceForm } from "./form-context";
import { PairsEditor } from "./pairs-editor";

function Toggle({
  id,
  label,
  checked,
  onChange,
  hint,
}: {
  id: string;
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  hint?: string;
}) {
  return (
    <div className="flex items-start gap-3">
      <Switch id={id} checked={checked} onCheckedChange={onChange} aria-describedby={hint ? `${id}-hint` : undefined} />
      <div className="flex flex-col gap-0.5">
        <Label htmlFor={id}>{label}</Label>
        {hint ? (
          <p id={`${id}-hint`} className="text-xs text-muted-foreground">
            {hint}
          </p>
        ) : null}
      </div>
    </div>
  );
}

function SecretHint({ value }: { value: string }) {
  const { editing } = useServiceForm();
  return editing && value === SECRET_MASK ? <>Stored and hidden; leave it to keep it, or type a new one.</> : null;
}

function HostPort({ type, defaultPort }: { type: "tcp" | "grpc" | "mqtt" | "tls"; defaultPort?: string }) {
  const { draft, setCheck } = useServiceForm();
  const d = draft[type];
  return (
    <div className="grid gap-4 sm:grid-cols-[1fr_8rem]">
      <Field path="config.host" label="Host" required hint="Host name or IP address, without scheme or path.">
        <Input
          value={d.host}
          onChange={(e) => setCheck(type, "host", e.target.value)}
          placeholder="db.internal"
          spellCheck={false}
        />
      </Field>
      <Field path="config.port" label="Port" required>
        <Input
          inputMode="numeric"
          value={d.port}
          onChange={(e) => setCheck(type, "port", e.target.value)}
          placeholder={defaultPort ?? ""}
        />
      </Field>
    </div>
  );
}

function HttpFields() {
  const { draft, setCheck, errorFor, touch } = useServiceForm();
  const d = draft.http;
  const set = <F extends keyof typeof d>(f: F, value: (typeof d)[F]) => setCheck("http", f, value);
  const headersError = errorFor("config.headers");
  return (
    <div className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-[8rem_1fr]">
        <Field path="config.method" label="Method">
          <NativeSelect value={d.method} onChange={(e) => set("method", e.target.value)}>
            {HTTP_METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </NativeSelect>
        </Field>
        <Field path="config.url" label="URL" required hint="Without a path, /health is checked.">
          <Input
            type="url"
            value={d.url}
            onChange={(e) => set("url", e.target.value)}
            placeholder="https://example.com/health"
            spellCheck={false}
          />
        </Field>
      </div>
      <Field
        path="config.expected_status"
        label="Accepted status codes"
        hint="Codes, ranges or classes, separated by commas: 200, 200-299, 3xx."
      >
        <Input value={d.expected_status} onChange={(e) => set("expected_status", e.target.value)} spellCheck={false} />
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field path="config.keyword" label="Body must contain">
          <Input value={d.keyword} onChange={(e) => set("keyword", e.target.value)} />
        </Field>
        <Field path="config.keyword_absent" label="Body must not contain">
          <Input value={d.keyword_absent} onChange={(e) => set("keyword_absent", e.target.value)} />
        </Field>
        <Field path="config.json_path" label="JSON path" hint="RFC 9535, such as $.status">
          <Input
            value={d.json_path}
            onChange={(e) => set("json_path", e.target.value)}
            spellCheck={false}
            className="font-mono"
          />
        </Field>
        <Field
          path="config.json_expected"
          label="JSON path must equal"
          hint='JSON such as "ok", 42 or true; empty: the path must match something.'
        >
          <Input
            value={d.json_expected}
            onChange={(e) => set("json_expected", e.target.value)}
            spellCheck={false}
            className="font-mono"
          />
        </Field>
      </div>
      <div onBlur={() => touch("config.headers")}>
        <PairsEditor
          id="http-headers"
          label="Request headers"
          pairs={d.headers}
          onChange={(pairs) => set("headers", pairs)}
          keyPlaceholder="Header"
          secretValues
          addLabel="Add header"
          describedBy={headersError ? "http-headers-error" : undefined}
          invalid={Boolean(headersError)}
        />
        {headersError ? (
          <p id="http-headers-error" className="mt-1 text-xs font-medium text-destructive-text">
            {headersError}
          </p>
        ) : null}
      </div>
      {d.method !== "GET" && d.method !== "HEAD" ? (
        <Field path="config.body" label="Request body">
          <Textarea value={d.body} onChange={(e) => set("body", e.target.value)} rows={4} />
        </Field>
      ) : null}
      <Field path="config.auth" label="Authentication">
        <NativeSelect value={d.auth} onChange={(e) => set("auth", e.target.value as typeof d.auth)}>
          <option value="none">None</option>
          <option value="basic">Basic (user name and password)</option>
          <option value="bearer">Bearer token</option>
        </NativeSelect>
      </Field>
      {d.auth === "basic" ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field path="config.auth.username" label="User name" required>
            <Input value={d.auth_username} onChange={(e) => set("auth_username", e.target.value)} autoComplete="off" />
          </Field>
          <Field path="config.auth.password" label="Password" hint={<SecretHint value={d.auth_password} />}>
            <Input
              type="password"
              value={d.auth_password}
              onChange={(e) => set("auth_password", e.target.value)}
              autoComplete="new-password"
            />
          </Field>
        </div>
      ) : null}
      {d.auth === "bearer" ? (
        <Field path="config.auth.token" label="Token" required hint={<SecretHint value={d.auth_token} />}>
          <Input type="password" value={d.auth_token} onChange={(e) => set("auth_token", e.target.value)} autoComplete="off" />
        </Field>
      ) : null}
      <div className="grid gap-3 sm:grid-cols-2">
        <Toggle
          id="http-follow"
          label="Follow redirects"
          checked={d.follow_redirects}
          onChange={(v) => set("follow_redirects", v)}
          hint="Up to 10."
        />
        <Toggle
          id="http-verify"
          label="Verify the TLS certificate"
          checked={d.verify_tls}
          onChange={(v) => set("verify_tls", v)}
        />
      </div>
    </div>
  );
}

function PingFields() {
  const { draft, setCheck } = useServiceForm();
  const d = draft.ping;
  return (
    <div className="grid gap-4 sm:grid-cols-[1fr_8rem_8rem]">
      <Field path="config.host" label="Host" required hint="Host name or IP address.">
        <Input value={d.host} onChange={(e) => setCheck("ping", "host", e.target.value)} spellCheck={false} />
      </Field>
      <Field path="config.count" label="Echo requests" hint="1-100">
        <Input inputMode="numeric" value={d.count} onChange={(e) => setCheck("ping", "count", e.target.value)} />
      </Field>
      <Field path="config.packet_size" label="Payload bytes" hint="0-65500">
        <Input inputMode="numeric" value={d.packet_size} onChange={(e) => setCheck("ping", "packet_size", e.target.value)} />
      </Field>
    </div>
  );
}

function DnsFields() {
  const { draft, setCheck } = useServiceForm();
  const d = draft.dns;
  return (
    <div className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-[1fr_8rem]">
        <Field path="config.name" label="Domain name" required>
          <Input
            value={d.name}
            onChange={(e) => setCheck("dns", "name", e.target.value)}
            placeholder="example.com"
            spellCheck={false}
          />
        </Field>
        <Field path="config.record_type" label="Record type">
          <NativeSelect value={d.record_type} onChange={(e) => setCheck("dns", "record_type", e.target.value)}>
            {DNS_RECORD_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </NativeSelect>
        </Field>
      </div>
      <Field path="config.resolver" label="Resolver" hint="IP address, optionally with :port. Empty: the server's own resolvers.">
        <Input
          value={d.resolver}
          onChange={(e) => setCheck("dns", "resolver", e.target.value)}
          placeholder="1.1.1.1:53"
          spellCheck={false}
        />
      </Field>
      <Field path="config.expected" label="Expected answers" hint="One per line; all must be present. Empty: any answer passes.">
        <Textarea value={d.expected} onChange={(e) => setCheck("dns", "expected", e.target.value)} rows={3} spellCheck={false} />
      </Field>
    </div>
  );
}

function GrpcFields() {
  const { draft, setCheck, errorFor, touch } = useServiceForm();
  const d = draft.grpc;
  const metadataError = errorFor("config.metadata");
  return (
    <div className="flex flex-col gap-4">
      <HostPort type="grpc" />
      <Field
        path="config.service"
        label="Service name"
        hint="As registered with grpc.health.v1. Empty asks about the whole server."
      >
        <Input value={d.service} onChange={(e) => setCheck("grpc", "service", e.target.value)} spellCheck={false} />
      </Field>
      <div onBlur={() => touch("config.tls")}>
        <Toggle id="grpc-tls" label="Use TLS" checked={d.tls} onChange={(v) => setCheck("grpc", "tls", v)} />
        {errorFor("config.tls") ? (
          <p className="mt-1 text-xs font-medium text-destructive-text">{errorFor("config.tls")}</p>
        ) : null}
      </div>
      {d.tls ? (
        <>
          <Field
            path="config.server_name"
            label="Certificate name"
            hint="When the certificate names another host than the one above."
          >
            <Input value={d.server_name} onChange={(e) => setCheck("grpc", "server_name", e.target.value)} spellCheck={false} />
          </Field>
          <Field path="config.ca_pem" label="Trusted CA (PEM)" hint="For a private CA; empty trusts the system's roots.">
            <Textarea value={d.ca_pem} onChange={(e) => setCheck("grpc", "ca_pem", e.target.value)} rows={4} spellCheck={false} />
          </Field>
        </>
      ) : null}
      <div onBlur={() => touch("config.metadata")}>
        <PairsEditor
          id="grpc-metadata"
          label="Request metadata"
          pairs={d.metadata}
          onChange={(pairs) => setCheck("grpc", "metadata", pairs)}
          keyPlaceholder="authorization"
          secretValues
          addLabel="Add metadata"
          describedBy={metadataError ? "grpc-metadata-error" : undefined}
          invalid={Boolean(metadataError)}
        />
        {metadataError ? (
          <p id="grpc-metadata-error" className="mt-1 text-xs font-medium text-destructive-text">
            {metadataError}
          </p>
        ) : null}
      </div>
    </div>
  );
}

function MqttFields() {
  const { draft, setCheck, errorFor, touch } = useServiceForm();
  const d = draft.mqtt;
  const set = <F extends keyof typeof d>(f: F, value: (typeof d)[F]) => setCheck("mqtt", f, value);
  return (
    <div className="flex flex-col gap-4">
      <HostPort type="mqtt" defaultPort="1883" />
      <div className="grid gap-4 sm:grid-cols-[1fr_8rem]">
        <Field path="config.topic" label="Topic" required hint="A filter with + and # is allowed except in round-trip mode.">
          <Input value={d.topic} onChange={(e) => set("topic", e.target.value)} spellCheck={false} />
        </Field>
        <Field path="config.qos" label="QoS">
          <NativeSelect value={d.qos} onChange={(e) => set("qos", e.target.value)}>
            <option value="0">0</option>
            <option value="1">1</option>
            <option value="2">2</option>
          </NativeSelect>
        </Field>
      </div>
      <Field path="config.mode" label="What to verify">
        <NativeSelect value={d.mode} onChange={(e) => set("mode", e.target.value)}>
          {MQTT_MODES.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </NativeSelect>
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field path="config.username" label="User name">
          <Input value={d.username} onChange={(e) => set("username", e.target.value)} autoComplete="off" />
        </Field>
        <Field path="config.password" label="Password" hint={<SecretHint value={d.password} />}>
          <Input
            type="password"
            value={d.password}
            onChange={(e) => set("password", e.target.value)}
            autoComplete="new-password"
          />
        </Field>
      </div>
      <Field path="config.client_id" label="Client ID" hint="Empty: a unique one per check.">
        <Input value={d.client_id} onChange={(e) => set("client_id", e.target.value)} spellCheck={false} />
      </Field>
      <div onBlur={() => touch("config.tls")}>
        <Toggle
          id="mqtt-tls"
          label="Use TLS"
          checked={d.tls}
          onChange={(v) => set("tls", v)}
          hint="The broker's certificate must be valid for the host."
        />
        {errorFor("config.tls") ? (
          <p className="mt-1 text-xs font-medium text-destructive-text">{errorFor("config.tls")}</p>
        ) : null}
      </div>
      {d.tls ? (
        <Field path="config.ca_pem" label="Trusted CA (PEM)" hint="For a private CA; empty trusts the system's roots.">
          <Textarea value={d.ca_pem} onChange={(e) => set("ca_pem", e.target.value)} rows={4} spellCheck={false} />
        </Field>
      ) : null}
    </div>
  );
}

function TlsFields() {
  const { draft, setCheck } = useServiceForm();
  const d = draft.tls;
  return (
    <div className="flex flex-col gap-4">
      <HostPort type="tls" defaultPort="443" />
      <Field
        path="config.server_name"
        label="Certificate name (SNI)"
        hint="When the certificate names another host than the one above."
      >
        <Input value={d.server_name} onChange={(e) => setCheck("tls", "server_name", e.target.value)} spellCheck={false} />
      </Field>
      <Field path="config.ca_pem" label="Trusted CA (PEM)" hint="For a private CA; empty trusts the system's roots.">
        <Textarea value={d.ca_pem} onChange={(e) => setCheck("tls", "ca_pem", e.target.value)} rows={4} spellCheck={false} />
      </Field>
    </div>
  );
}

function HeartbeatFields() {
  const { draft, setCheck } = useServiceForm();
  const d = draft.heartbeat;
  return (
    <div className="flex flex-col gap-4">
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1.5 text-sm font-medium">Expected</legend>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="radio"
            name="heartbeat-schedule"
            checked={d.schedule === "every"}
            onChange={() => setCheck("heartbeat", "schedule", "every")}
            className="accent-[var(--primary)]"
          />
          Every so many seconds after the last ping
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="radio"
            name="heartbeat-schedule"
            checked={d.schedule === "cron"}
            onChange={() => setCheck("heartbeat", "schedule", "cron")}
            className="accent-[var(--primary)]"
          />
          On a cron schedule
        </label>
      </fieldset>
      {d.schedule === "every" ? (
        <Field path="config.schedule.every_s" label="Period (seconds)" required hint="3600 is hourly, 86400 daily.">
          <Input inputMode="numeric" value={d.every_s} onChange={(e) => setCheck("heartbeat", "every_s", e.target.value)} />
        </Field>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            path="config.schedule.cron"
            label="Cron expression"
            required
            hint="Five or six fields, such as 0 2 * * * (02:00 daily)."
          >
            <Input
              value={d.cron}
              onChange={(e) => setCheck("heartbeat", "cron", e.target.value)}
              spellCheck={false}
              className="font-mono"
            />
          </Field>
          <Field path="config.schedule.timezone" label="Time zone" required hint="IANA name, such as Europe/Berlin.">
            <Input value={d.timezone} onChange={(e) => setCheck("heartbeat", "timezone", e.target.value)} spellCheck={false} />
          </Field>
        </div>
      )}
      <Field
        path="config.grace_s"
        label="Grace period (seconds)"
        hint="How late a ping may be, and how long a started run may take."
      >
        <Input inputMode="numeric" value={d.grace_s} onChange={(e) => setCheck("heartbeat", "grace_s", e.target.value)} />
      </Field>
      <p className="text-sm text-muted-foreground">The ping URL is shown once the service is saved.</p>
    </div>
  );
}

export function CheckFields() {
  const { draft } = useServiceForm();
  switch (draft.type) {
    case "http":
      return <HttpFields />;
    case "tcp":
      return <HostPort type="tcp" />;
    case "ping":
      return <PingFields />;
    case "dns":
      return <DnsFields />;
    case "grpc":
      return <GrpcFields />;
    case "mqtt":
      return <MqttFields />;
    case "tls":
      return <TlsFields />;
    case "heartbeat":
      return <HeartbeatFields />;
  }
}
