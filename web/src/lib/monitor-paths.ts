/** Where each kind of monitor lives in the UI, and its name in words. */
import type { MonitorKind } from "@/queries/monitors";

export const MONITOR_KINDS: readonly MonitorKind[] = ["service", "domain", "instance"];

const LIST: Record<MonitorKind, string> = { service: "/services", domain: "/domains", instance: "/instances" };
const LABEL: Record<MonitorKind, string> = { service: "Service", domain: "Domain", instance: "Instance" };

export function isMonitorKind(value: string | null | undefined): value is MonitorKind {
  return value === "service" || value === "domain" || value === "instance";
}

/** The list page of a kind ("/domains"). */
export function monitorListPath(kind: string): string | null {
  return isMonitorKind(kind) ? LIST[kind] : null;
}

/** The page of one monitor ("/domains/<id>"); null for a kind the UI does not know. */
export function monitorPath(kind: string, id: string): string | null {
  return isMonitorKind(kind) ? `${LIST[kind]}/${id}` : null;
}

/** "Service", "Domain", "Instance". */
export function kindLabel(kind: string): string {
  return isMonitorKind(kind) ? LABEL[kind] : kind;
}
