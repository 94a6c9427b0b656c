/**
 * The domain form's model: its inputs as typed, how a stored domain fills them, and the
 * API body they become, with local problems under the API's field paths.
 */
import type { CreateDomainBody, Domain } from "@/api/types";
import { checkInto, checkName, int, optional, pairMap, pairsOf } from "./form-model";
import type { Pair } from "./service-form";
import type { Problems } from "./use-api-form";
import * as v from "./validate";

export interface DomainDraft {
  domain: string;
  name: string;
  description: string;
  group: string;
  labels: Pair[];
  enabled: boolean;
  /** Hours between checks (the API takes seconds: 4 h to 30 days). */
  interval_h: string;
  timeout_s: string;
  warning_threshold_days: string;
  expiry_threshold_days: string;
  check_ssl: boolean;
  ssl_port: string;
  ssl_host: string;
}

export const MIN_INTERVAL_H = 4;
export const MAX_INTERVAL_H = 720;

export function emptyDomainDraft(): DomainDraft {
  return {
    domain: "",
    name: "",
    description: "",
    group: "",
    labels: [],
    enabled: true,
    interval_h: "24",
    timeout_s: "30",
    warning_threshold_days: "30",
    expiry_threshold_days: "7",
    check_ssl: true,
    ssl_port: "443",
    ssl_host: "",
  };
}

/** Hours as short as they can be written exactly (4, 4.5, 4.17). */
function hours(seconds: number): string {
  return String(Number((seconds / 3600).toFixed(2)));
}

export function draftFromDomain(domain: Domain): DomainDraft {
  return {
    domain: domain.domain,
    // A name equal to the domain is the default: leave the input empty.
    name: domain.name === domain.domain ? "" : domain.name,
    description: domain.description ?? "",
    group: domain.group ?? "",
    labels: pairsOf(domain.labels),
    enabled: domain.enabled,
    interval_h: hours(domain.interval_s),
    timeout_s: String(domain.timeout_s),
    warning_threshold_days: String(domain.warning_threshold_days),
    expiry_threshold_days: String(domain.expiry_threshold_days),
    check_ssl: domain.check_ssl,
    ssl_port: String(domain.ssl_port),
    ssl_host: domain.ssl_host ?? "",
  };
}

/** "example.com" from "https://www.Example.com/path": what people paste. */
export function cleanDomain(raw: string): string {
  let text = raw.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text);
  if (scheme) text = text.slice(scheme[0].length);
  text = text.split(/[/?#]/)[0] ?? "";
  return text.replace(/\.$/, "").toLowerCase();
}

const domainName: v.Check = (value) => {
  const text = cleanDomain(value);
  if (!text) return "is required";
  if (!text.includes(".") || /\s/.test(text) || text.length > 253 || text.includes(":")) {
    return "must be a domain name such as example.com";
  }
  return null;
};

const intervalHours: v.Check = (value) => {
  const n = Number(value.trim());
  if (!value.trim() || !Number.isFinite(n)) return "must be a number of hours";
  return n < MIN_INTERVAL_H || n > MAX_INTERVAL_H ? `must be between ${MIN_INTERVAL_H} and ${MAX_INTERVAL_H} hours` : null;
};

/**
 * The body for `POST /domains` (and, with `editing`, `PATCH`: empty description, group
 * and certificate host are sent empty, which clears them).
 */
export function toDomainBody(draft: DomainDraft, editing = false): { body: CreateDomainBody; problems: Problems } {
  const problems: Problems = {};
  checkInto(problems, "domain", draft.domain, domainName);
  checkName(problems, draft.name, false);
  if (draft.description.trim().length > 2000) problems["description"] = "must be at most 2000 characters";
  checkInto(problems, "interval_s", draft.interval_h, intervalHours);
  checkInto(problems, "timeout_s", draft.timeout_s, v.intBetween(1, 300));
  checkInto(problems, "warning_threshold_days", draft.warning_threshold_days, v.intBetween(1, 365));
  checkInto(problems, "expiry_threshold_days", draft.expiry_threshold_days, v.intBetween(0, 365));
  if (
    !problems["warning_threshold_days"] &&
    !problems["expiry_threshold_days"] &&
    int(draft.expiry_threshold_days) > int(draft.warning_threshold_days)
  ) {
    problems["expiry_threshold_days"] = "must not be more than the warning threshold";
  }
  if (draft.check_ssl) {
    checkInto(problems, "ssl_port", draft.ssl_port, v.port);
    if (draft.ssl_host.trim()) checkInto(problems, "ssl_host", draft.ssl_host, v.host);
  }
  const labels = pairMap(draft.labels, "labels", problems);
  const domain = cleanDomain(draft.domain);
  const body: CreateDomainBody = {
    domain,
    labels,
    enabled: draft.enabled,
    interval_s: Math.round(Number(draft.interval_h.trim()) * 3600),
    timeout_s: int(draft.timeout_s),
    warning_threshold_days: int(draft.warning_threshold_days),
    expiry_threshold_days: int(draft.expiry_threshold_days),
    check_ssl: draft.check_ssl,
    ...(draft.check_ssl ? { ssl_port: int(draft.ssl_port) } : {}),
  };
  // The name defaults to the domain.
  body.name = optional(draft.name) ?? domain;
  const description = optional(draft.description);
  const group = optional(draft.group);
  const sslHost = optional(draft.ssl_host);
  if (editing) {
    body.description = description ?? "";
    body.group = group ?? "";
    if (draft.check_ssl) body.ssl_host = sslHost ?? "";
  } else {
    if (description) body.description = description;
    if (group) body.group = group;
    if (draft.check_ssl && sslHost) body.ssl_host = sslHost;
  }
  return { body, problems };
}
