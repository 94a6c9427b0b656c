/** A domain's expiry health in words and colour, and days left against its thresholds. */
import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/cn";
import { formatCount } from "@/lib/format";

const LABEL: Record<string, string> = {
  ok: "OK",
  warning: "Expires soon",
  critical: "Critical",
  expired: "Expired",
  error: "Lookup failed",
};

const STYLE: Record<string, string> = {
  ok: "bg-up-soft text-up-text border-up/40",
  warning: "bg-pending-soft text-pending-text border-pending/40",
  critical: "bg-down-soft text-down-text border-down/40",
  expired: "bg-down-soft text-down-text border-down/40",
  error: "bg-paused-soft text-paused-text border-paused/40",
};

export function domainStatusLabel(status: string | null | undefined): string {
  return status ? (LABEL[status] ?? status) : "Not checked yet";
}

export function DomainStatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return <span className="text-xs text-muted-foreground">Not checked yet</span>;
  return <Badge className={STYLE[status] ?? STYLE["error"]}>{domainStatusLabel(status)}</Badge>;
}

/** "in 45 days" / "expired 3 days ago", coloured once inside the warning or critical threshold. */
export function daysLeftText(days: number): string {
  if (days < 0) return `expired ${formatCount(-days)} day${days === -1 ? "" : "s"} ago`;
  if (days === 0) return "expires today";
  return `${formatCount(days)} day${days === 1 ? "" : "s"} left`;
}

export function DaysLeft({
  days,
  warning,
  critical,
  className,
}: {
  days: number | null | undefined;
  warning: number;
  critical: number;
  className?: string;
}) {
  if (days === null || days === undefined) return <span className={cn("text-muted-foreground", className)}>—</span>;
  const tone = days <= critical ? "text-down-text font-medium" : days <= warning ? "text-pending-text font-medium" : undefined;
  return <span className={cn("tabular-nums", tone, className)}>{daysLeftText(days)}</span>;
}

/** The certificate part of a domain's details, read defensively (the API types it as an object). */
export interface CertificateInfo {
  subject?: string | null;
  sans?: string[];
  issuer?: string | null;
  serial?: string | null;
  valid_from?: string | null;
  valid_to?: string | null;
  days_left?: number | null;
  fingerprint_sha256?: string | null;
  chain_valid?: boolean | null;
  hostname_match?: boolean | null;
  tls_version?: string | null;
  resolved_ip?: string | null;
  error?: string | null;
}

export function certificateOf(ssl: unknown): CertificateInfo | null {
  if (typeof ssl !== "object" || ssl === null) return null;
  const c = ssl as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const bool = (v: unknown) => (typeof v === "boolean" ? v : null);
  return {
    subject: str(c["subject"]),
    sans: Array.isArray(c["sans"]) ? c["sans"].filter((s): s is string => typeof s === "string") : [],
    issuer: str(c["issuer"]),
    serial: str(c["serial"]),
    valid_from: str(c["valid_from"]),
    valid_to: str(c["valid_to"]),
    days_left: typeof c["days_left"] === "number" ? c["days_left"] : null,
    fingerprint_sha256: str(c["fingerprint_sha256"]),
    chain_valid: bool(c["chain_valid"]),
    hostname_match: bool(c["hostname_match"]),
    tls_version: str(c["tls_version"]),
    resolved_ip: str(c["resolved_ip"]),
    error: str(c["error"]),
  };
}

/** "CN=R11, O=Let's Encrypt, C=US" -> "Let's Encrypt (R11)": who issued it, briefly. */
export function issuerName(dn: string | null | undefined): string | null {
  if (!dn) return null;
  const parts = new Map<string, string>();
  for (const part of dn.split(/,(?=\s*[A-Za-z]+=)/)) {
    const eq = part.indexOf("=");
    if (eq > 0) parts.set(part.slice(0, eq).trim().toUpperCase(), part.slice(eq + 1).trim());
  }
  const org = parts.get("O");
  const cn = parts.get("CN");
  if (org && cn && org !== cn) return `${org} (${cn})`;
  return org ?? cn ?? dn;
}
