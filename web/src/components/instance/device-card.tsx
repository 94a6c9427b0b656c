/** What the host is, as its agent last described it (`GET /instances/{id}/device`). */
import { Setting } from "@/components/monitor-detail";
import { RelativeTime } from "@/components/relative-time";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { formatBytes, formatLinkSpeed } from "@/lib/units";
import { useInstanceDevice } from "@/queries/instances";

/** The agent's device description (docs/agent.md), read defensively: the API types it as an object. */
export interface DeviceInfo {
  hostname?: string;
  os?: string;
  os_version?: string;
  kernel?: string;
  arch?: string;
  cpu?: { model?: string; vendor?: string; cores?: number; threads?: number; frequency_mhz?: number };
  memory_total_bytes?: number;
  swap_total_bytes?: number;
  storages?: { device: string; mount: string; fs: string; total_bytes: number; removable?: boolean }[];
  networks?: { name: string; mac?: string | null; addresses?: string[]; speed_mbps?: number | null }[];
  gpus?: { index: number; name: string; uuid?: string; memory_total_bytes: number; driver_version?: string }[];
  agent_version?: string;
}

function unknown(text: string | undefined | null) {
  return text ? text : <span className="text-muted-foreground">Unknown</span>;
}

export function DeviceCard({ id }: { id: string }) {
  const device = useInstanceDevice(id);
  const info = (device.data?.device ?? null) as DeviceInfo | null;
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-baseline justify-between gap-2">
        <CardTitle>Device</CardTitle>
        {device.data ? (
          <span className="text-xs text-muted-foreground">
            Read <RelativeTime value={device.data.collected_at} />
          </span>
        ) : null}
      </CardHeader>
      <CardContent>
        {device.isPending ? (
          <Skeleton className="h-32" />
        ) : device.isError ? (
          <p className="text-sm text-destructive-text">{device.error.message}</p>
        ) : !info ? (
          <p className="text-sm text-muted-foreground">The agent has not described its host yet; it does on first contact.</p>
        ) : (
          <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            <Setting label="Host name">{unknown(info.hostname)}</Setting>
            <Setting label="Operating system">
              {unknown([info.os_version || info.os, info.arch].filter(Boolean).join(", "))}
            </Setting>
            <Setting label="Kernel">{unknown(info.kernel)}</Setting>
            <Setting label="Processor">
              {unknown(info.cpu?.model)}
              {info.cpu?.cores ? (
                <span className="block text-xs text-muted-foreground">
                  {info.cpu.cores} cores, {info.cpu.threads ?? info.cpu.cores} threads
                  {info.cpu.frequency_mhz ? `, ${(info.cpu.frequency_mhz / 1000).toFixed(2)} GHz` : ""}
                </span>
              ) : null}
            </Setting>
            <Setting label="Memory">
              {formatBytes(info.memory_total_bytes)}
              {info.swap_total_bytes ? (
                <span className="block text-xs text-muted-foreground">{formatBytes(info.swap_total_bytes)} swap</span>
              ) : null}
            </Setting>
            <Setting label="Agent version">{unknown(info.agent_version)}</Setting>
            {info.storages?.length ? (
              <Setting label="Filesystems" className="sm:col-span-2 lg:col-span-3">
                <ul className="flex flex-col gap-0.5 text-xs">
                  {info.storages.map((s) => (
                    <li key={`${s.device}${s.mount}`}>
                      <span className="font-mono">{s.mount}</span>{" "}
                      <span className="text-muted-foreground">
                        {s.device}, {s.fs}, {formatBytes(s.total_bytes)}
                        {s.removable ? ", removable" : ""}
                      </span>
                    </li>
                  ))}
                </ul>
              </Setting>
            ) : null}
            {info.networks?.length ? (
              <Setting label="Network interfaces" className="sm:col-span-2 lg:col-span-3">
                <ul className="flex flex-col gap-0.5 text-xs">
                  {info.networks.map((n) => (
                    <li key={n.name} className="wrap-anywhere">
                      <span className="font-mono">{n.name}</span>{" "}
                      <span className="text-muted-foreground">
                        {[n.addresses?.join(", "), n.mac, n.speed_mbps ? formatLinkSpeed(n.speed_mbps) : null]
                          .filter(Boolean)
                          .join(" · ") || "no address"}
                      </span>
                    </li>
                  ))}
                </ul>
              </Setting>
            ) : null}
            {info.gpus?.length ? (
              <Setting label="GPUs" className="sm:col-span-2 lg:col-span-3">
                <ul className="flex flex-col gap-0.5 text-xs">
                  {info.gpus.map((g) => (
                    <li key={g.index}>
                      {g.index}: {g.name}{" "}
                      <span className="text-muted-foreground">
                        {formatBytes(g.memory_total_bytes)}
                        {g.driver_version ? `, driver ${g.driver_version}` : ""}
                      </span>
                    </li>
                  ))}
                </ul>
              </Setting>
            ) : null}
          </dl>
        )}
      </CardContent>
    </Card>
  );
}
