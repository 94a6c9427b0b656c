import { describe, expect, it } from "vitest";
import type { MetricPoint } from "@/api/types";
import { addSnapshots, asSnapshot, coreColumns, hasAny, metricColumns, snapshotValues, type Snapshot } from "./metrics";

function snap(at: string, over: Partial<Snapshot> = {}): Snapshot {
  return {
    timestamp: at,
    uptime_s: 100,
    cpu: { usage_pct: 50, per_core_pct: [40, 60], load: [1, 0.5, 0.25] },
    memory: { total_bytes: 1000, used_bytes: 250, used_pct: 25, swap_total_bytes: 0, swap_used_bytes: 0 },
    disks: [
      {
        mount: "/",
        device: "/dev/a",
        fs: "ext4",
        total_bytes: 10,
        used_bytes: 5,
        used_pct: 50,
        read_bytes_per_s: 100,
        write_bytes_per_s: null,
      },
      {
        mount: "/data",
        device: "/dev/b",
        fs: "xfs",
        total_bytes: 10,
        used_bytes: 9,
        used_pct: 90,
        read_bytes_per_s: 50,
        write_bytes_per_s: null,
      },
    ],
    networks: [
      { name: "eth0", rx_bytes: 1, tx_bytes: 2, rx_bytes_per_s: 10, tx_bytes_per_s: 20, speed_mbps: 1000, rx_pct: 0, tx_pct: 0 },
    ],
    gpus: [],
    ...over,
  };
}

function point(t: string, cpu: number): MetricPoint {
  return { t, samples: 1, values: { cpu_pct: { avg: cpu, min: cpu, max: cpu } } };
}

describe("instance metrics", () => {
  it("computes the stored numbers of a snapshot as the server does", () => {
    const v = snapshotValues(snap("2026-01-01T00:00:00Z"));
    expect(v.cpu_pct).toBe(50);
    expect(v.load1).toBe(1);
    expect(v.mem_pct).toBe(25);
    expect(v.swap_pct).toBeNull(); // no swap: unknown, not 0
    expect(v.disk_pct).toBe(90); // the fullest filesystem
    expect(v.disk_read_bps).toBe(150);
    expect(v.disk_write_bps).toBeNull(); // no rate known yet (a first sample)
    expect(v.net_rx_bps).toBe(10);
    expect(v.gpu_pct).toBeNull();
    const gpus = snapshotValues(
      snap("2026-01-01T00:00:00Z", {
        gpus: [
          {
            index: 0,
            name: "a",
            utilization_pct: 20,
            memory_total_bytes: 100,
            memory_used_bytes: 50,
            temperature_c: 60,
            power_w: 100,
          },
          {
            index: 1,
            name: "b",
            utilization_pct: 40,
            memory_total_bytes: 100,
            memory_used_bytes: 0,
            temperature_c: 70,
            power_w: 50,
          },
        ],
      }),
    );
    expect(gpus).toMatchObject({ gpu_pct: 30, gpu_mem_pct: 25, gpu_temp_c: 70, gpu_power_w: 150 });
  });

  it("keeps snapshots in time order, each instant once, the newest up to the cap", () => {
    const a = snap("2026-01-01T00:00:10Z");
    const b = snap("2026-01-01T00:00:20Z");
    const c = snap("2026-01-01T00:00:30Z");
    expect(addSnapshots([a, c], [b]).map((s) => s.timestamp)).toEqual([a.timestamp, b.timestamp, c.timestamp]);
    expect(addSnapshots([a, b], [b])).toHaveLength(2);
    expect(addSnapshots([a, b], [c], 2).map((s) => s.timestamp)).toEqual([b.timestamp, c.timestamp]);
  });

  it("reads only what looks like a snapshot", () => {
    expect(asSnapshot(null)).toBeNull();
    expect(asSnapshot({ timestamp: "nope", cpu: {}, memory: {} })).toBeNull();
    const s = asSnapshot({ timestamp: "2026-01-01T00:00:00Z", uptime_s: 1, cpu: { usage_pct: 1 }, memory: { used_pct: 2 } });
    expect(s?.cpu.per_core_pct).toEqual([]);
    expect(s?.disks).toEqual([]);
  });

  it("continues the history with live snapshots after its last step, with gaps where time skips", () => {
    const points = [point("2026-01-01T00:00:00Z", 10), point("2026-01-01T00:01:00Z", 20), point("2026-01-01T00:05:00Z", 30)];
    const live = [
      snap("2026-01-01T00:05:30Z"), // inside the last step: the history has it
      snap("2026-01-01T00:06:00Z", { cpu: { usage_pct: 70, per_core_pct: [], load: [0, 0, 0] } }),
    ];
    const [xs, cpu] = metricColumns(points, live, ["cpu_pct"], 60);
    const t = (iso: string) => Date.parse(iso) / 1000;
    expect(xs).toEqual([
      t("2026-01-01T00:00:00Z"),
      t("2026-01-01T00:01:00Z"),
      t("2026-01-01T00:02:00Z"),
      t("2026-01-01T00:05:00Z"),
      t("2026-01-01T00:06:00Z"),
    ]);
    expect(cpu).toEqual([10, 20, null, 30, 70]);
  });

  it("lays out per-core usage, as many columns as the most cores seen", () => {
    const live = [
      snap("2026-01-01T00:00:00Z", { cpu: { usage_pct: 1, per_core_pct: [1], load: [0, 0, 0] } }),
      snap("2026-01-01T00:00:10Z", { cpu: { usage_pct: 1, per_core_pct: [2, 3], load: [0, 0, 0] } }),
    ];
    const [xs, c0, c1] = coreColumns(live, 10);
    expect(xs).toHaveLength(2);
    expect(c0).toEqual([1, 2]);
    expect(c1).toEqual([null, 3]);
  });

  it("knows whether a metric has any value (GPU charts only for hosts with GPUs)", () => {
    expect(hasAny([point("2026-01-01T00:00:00Z", 1)], [], ["gpu_pct"])).toBe(false);
    expect(hasAny([point("2026-01-01T00:00:00Z", 1)], [], ["cpu_pct"])).toBe(true);
    expect(hasAny([], [snap("2026-01-01T00:00:00Z")], ["gpu_pct", "gpu_temp_c"])).toBe(false);
  });
});
