import { describe, expect, it } from "vitest";
import {
  describeSchedule,
  emptyWindowDraft,
  fromLocalInput,
  toLocalInput,
  toWindowBody,
  windowDraft,
  type MaintenanceWindow,
} from "./schedule";
import { describeSelector, selectorDraft, toSelector } from "./selector";

describe("local times in a window's zone", () => {
  it("turns wall-clock time in a zone into the instant and back", () => {
    expect(fromLocalInput("2026-07-01T02:00", "Europe/Berlin")?.toISOString()).toBe("2026-07-01T00:00:00.000Z");
    expect(fromLocalInput("2026-01-15T02:00", "Europe/Berlin")?.toISOString()).toBe("2026-01-15T01:00:00.000Z");
    expect(fromLocalInput("2026-01-15T02:00", "America/New_York")?.toISOString()).toBe("2026-01-15T07:00:00.000Z");
    expect(toLocalInput("2026-07-01T00:00:00Z", "Europe/Berlin")).toBe("2026-07-01T02:00");
    expect(toLocalInput("2026-07-01T00:00:00Z", "UTC")).toBe("2026-07-01T00:00");
  });

  it("moves a time skipped by spring-forward past the gap", () => {
    // 2026-03-29 02:30 does not exist in Berlin.
    const at = fromLocalInput("2026-03-29T02:30", "Europe/Berlin")!;
    expect(toLocalInput(at, "Europe/Berlin")).toBe("2026-03-29T03:30");
  });

  it("refuses what is not a date and time", () => {
    expect(fromLocalInput("tomorrow", "UTC")).toBeNull();
  });
});

const stored = (schedule: MaintenanceWindow["schedule"], timezone = "Europe/Berlin"): MaintenanceWindow => ({
  id: "w1",
  name: "Backups",
  description: null,
  targets: { kind: "any" },
  active: true,
  schedule,
  timezone,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});

describe("toWindowBody", () => {
  it("round-trips each schedule type", () => {
    const schedules: MaintenanceWindow["schedule"][] = [
      { type: "once", start: "2026-07-01T00:00:00.000Z", end: "2026-07-01T02:00:00.000Z" },
      { type: "weekly", weekdays: ["mon", "sat"], start_time: "02:00", duration_s: 3600 },
      { type: "monthly", days: [1, 15, "last"], start_time: "23:30", duration_s: 5400 },
      { type: "cron", cron: "0 2 * * 0", duration_s: 1800 },
    ];
    for (const schedule of schedules) {
      const { body, problems } = toWindowBody(windowDraft(stored(schedule)));
      expect(problems).toEqual({});
      expect(body.schedule).toEqual(schedule);
      expect(body.timezone).toBe("Europe/Berlin");
    }
  });

  it("reads the server's capitalised weekdays and sends them in week order", () => {
    const draft = windowDraft(stored({ type: "weekly", weekdays: ["Sat", "Mon"], start_time: "02:00", duration_s: 60 }));
    expect(toWindowBody(draft).body.schedule).toMatchObject({ weekdays: ["mon", "sat"] });
  });

  it.each([
    [{ type: "once" as const, start: "2026-07-01T03:00", end: "2026-07-01T02:00" }, "schedule.end", "must be after the start"],
    [{ type: "weekly" as const, weekdays: [] }, "schedule.weekdays", "needs at least one day"],
    [{ type: "weekly" as const, start_time: "25:00" }, "schedule.start_time", "must be a local time HH:MM"],
    [{ type: "monthly" as const, days: "1, 32" }, "schedule.days", '"32" is not a day 1-31 or "last"'],
    [{ type: "cron" as const, cron: "* *" }, "schedule.cron", "must have five or six fields, such as 0 2 * * 0"],
    [
      { type: "weekly" as const, duration_min: "20000" },
      "schedule.duration_s",
      "must be between 1 minute and 10080 minutes (a week)",
    ],
    [{ timezone: "Mars/Olympus" }, "timezone", "is not an IANA time zone such as Europe/Berlin"],
  ])("names the problem in %o", (change, path, reason) => {
    const draft = { ...emptyWindowDraft(), name: "W", ...change };
    expect(toWindowBody(draft).problems[path]).toBe(reason);
  });
});

describe("describeSchedule", () => {
  it("says when a window is open", () => {
    expect(describeSchedule({ type: "weekly", weekdays: ["Mon", "Sat"], start_time: "02:00", duration_s: 3600 }, "UTC")).toBe(
      "Mon and Sat at 02:00 for 1 h",
    );
    expect(describeSchedule({ type: "monthly", days: [1, 22, "last"], start_time: "03:00", duration_s: 1800 }, "UTC")).toBe(
      "Monthly on the 1st, 22nd and the last day at 03:00 for 30 min",
    );
    expect(describeSchedule({ type: "cron", cron: "0 2 * * 0", duration_s: 7200 }, "UTC")).toBe("Cron 0 2 * * 0 for 2 h");
    expect(describeSchedule({ type: "once", start: "2026-07-01T00:00:00Z", end: "2026-07-01T01:30:00Z" }, "UTC", "en-GB")).toBe(
      "Once, 1 Jul 2026, 00:00 – 1 Jul 2026, 01:30 (1 h 30 min)",
    );
  });
});

describe("selectors", () => {
  it("round-trips and leaves empty parts out", () => {
    const problems = {};
    expect(toSelector(selectorDraft({ kind: "service", group: " web ", labels: { env: "prod" } }), "targets", problems)).toEqual({
      kind: "service",
      group: "web",
      labels: { env: "prod" },
    });
    expect(toSelector(selectorDraft(null), "targets", problems)).toEqual({ kind: "any" });
    expect(problems).toEqual({});
  });

  it("says which monitors", () => {
    expect(describeSelector({ kind: "any" })).toBe("Every monitor");
    expect(describeSelector({ kind: "domain", ids: ["a", "b"] })).toBe("2 chosen domains");
    expect(describeSelector({ kind: "service", group: "web", labels: { env: "prod" } })).toBe(
      "Every service in group web with env=prod",
    );
  });
});
