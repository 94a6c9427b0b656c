/**
 * Create or edit a maintenance window: when (once, weekly, monthly or by cron, in a time
 * zone), which monitors, and whether it is in force.
 */
import { Link } from "react-router";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import {
  fromLocalInput,
  SCHEDULE_TYPES,
  timeZones,
  toWindowBody,
  WEEKDAYS,
  WINDOW_FORM_PATHS,
  type ScheduleType,
  type WindowBody,
  type WindowDraft,
} from "@/lib/schedule";
import { formatAbsolute, formatDuration } from "@/lib/time";
import { useDraftForm } from "@/lib/use-draft-form";
import { FieldsetError, FormTop, PathField, SwitchField } from "./path-field";
import { TargetSelector } from "./target-selector";

const ZONES = timeZones();

export function WindowForm({
  initial,
  submitLabel,
  onSubmit,
  cancelTo,
}: {
  initial: WindowDraft;
  submitLabel: string;
  onSubmit: (body: WindowBody) => Promise<void>;
  cancelTo: string;
}) {
  const form = useDraftForm(initial, toWindowBody, onSubmit);
  const { draft } = form;
  const set = <K extends keyof WindowDraft>(key: K, value: WindowDraft[K], paths: string[]) =>
    form.update((old) => ({ ...old, [key]: value }), paths);
  const minutes = Number(draft.duration_min);
  const durationHint =
    Number.isFinite(minutes) && minutes > 0 ? `= ${formatDuration(minutes * 60)}; at most a week.` : "At most a week.";
  const instantHint = (local: string) => {
    const at = fromLocalInput(local, draft.timezone);
    return at ? `Your time: ${formatAbsolute(at)}` : undefined;
  };
  const weekdaysError = form.errorFor("schedule.weekdays");

  return (
    <form onSubmit={form.onSubmit} noValidate className="flex max-w-3xl flex-col gap-4">
      <FormTop form={form} shownPaths={WINDOW_FORM_PATHS} />
      <Card>
        <CardHeader>
          <CardTitle>When</CardTitle>
          <CardDescription>
            While a window is open its monitors show Maintenance: checks still run, but open no incidents or alerts.
          </CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <div className="grid gap-4 sm:grid-cols-2">
            <PathField form={form} path="schedule.type" label="Repeats">
              <NativeSelect value={draft.type} onChange={(e) => set("type", e.target.value as ScheduleType, ["schedule"])}>
                {SCHEDULE_TYPES.map((t) => (
                  <option key={t.value} value={t.value}>
                    {t.label}
                  </option>
                ))}
              </NativeSelect>
            </PathField>
            <PathField form={form} path="timezone" label="Time zone" required hint="IANA name; DST is followed.">
              <Input
                value={draft.timezone}
                list="window-time-zones"
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => set("timezone", e.target.value, ["timezone"])}
              />
            </PathField>
            <datalist id="window-time-zones">
              {ZONES.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </div>
          {draft.type === "once" ? (
            <div className="grid gap-4 sm:grid-cols-2">
              <PathField form={form} path="schedule.start" label="Starts" required hint={instantHint(draft.start)}>
                <Input
                  type="datetime-local"
                  value={draft.start}
                  onChange={(e) => set("start", e.target.value, ["schedule.start"])}
                />
              </PathField>
              <PathField form={form} path="schedule.end" label="Ends" required hint={instantHint(draft.end)}>
                <Input type="datetime-local" value={draft.end} onChange={(e) => set("end", e.target.value, ["schedule.end"])} />
              </PathField>
            </div>
          ) : (
            <>
              {draft.type === "weekly" ? (
                <fieldset
                  className="flex flex-col gap-2"
                  aria-describedby={weekdaysError ? "window-weekdays-error" : undefined}
                  onBlur={() => form.touch("schedule.weekdays")}
                >
                  <legend className="mb-1.5 text-sm font-medium">On</legend>
                  <div className="flex flex-wrap gap-1.5">
                    {WEEKDAYS.map((d) => (
                      <label
                        key={d.value}
                        className="flex items-center gap-1.5 rounded-md border px-2.5 py-1.5 text-sm has-[:checked]:border-primary"
                      >
                        <input
                          type="checkbox"
                          className="size-4 accent-primary"
                          checked={draft.weekdays.includes(d.value)}
                          aria-label={d.long}
                          onChange={(e) =>
                            set(
                              "weekdays",
                              e.target.checked ? [...draft.weekdays, d.value] : draft.weekdays.filter((w) => w !== d.value),
                              ["schedule.weekdays"],
                            )
                          }
                        />
                        <span aria-hidden="true">{d.label}</span>
                      </label>
                    ))}
                  </div>
                  <FieldsetError form={form} path="schedule.weekdays" id="window-weekdays-error" />
                </fieldset>
              ) : draft.type === "monthly" ? (
                <PathField
                  form={form}
                  path="schedule.days"
                  label="Days of the month"
                  required
                  hint='Numbers 1-31 or "last", separated by commas.'
                >
                  <Input value={draft.days} onChange={(e) => set("days", e.target.value, ["schedule.days"])} />
                </PathField>
              ) : (
                <PathField
                  form={form}
                  path="schedule.cron"
                  label="Cron expression"
                  required
                  hint="Five or six fields, in the window's time zone: 0 2 * * 0 is Sundays at 02:00."
                >
                  <Input
                    value={draft.cron}
                    spellCheck={false}
                    className="font-mono"
                    onChange={(e) => set("cron", e.target.value, ["schedule.cron"])}
                  />
                </PathField>
              )}
              <div className="grid gap-4 sm:grid-cols-2">
                {draft.type !== "cron" ? (
                  <PathField
                    form={form}
                    path="schedule.start_time"
                    label="Starts at"
                    required
                    hint="Local time in the window's zone."
                  >
                    <Input
                      type="time"
                      value={draft.start_time}
                      onChange={(e) => set("start_time", e.target.value, ["schedule.start_time"])}
                    />
                  </PathField>
                ) : null}
                <PathField form={form} path="schedule.duration_s" label="Lasts (minutes)" required hint={durationHint}>
                  <Input
                    inputMode="decimal"
                    value={draft.duration_min}
                    onChange={(e) => set("duration_min", e.target.value, ["schedule.duration_s"])}
                  />
                </PathField>
              </div>
            </>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Which monitors</CardTitle>
        </CardHeader>
        <CardContent>
          <TargetSelector
            form={form}
            value={draft.targets}
            onChange={(targets, paths) => form.update((old) => ({ ...old, targets }), paths)}
          />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Name</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <PathField form={form} path="name" label="Name" required>
            <Input value={draft.name} maxLength={200} onChange={(e) => set("name", e.target.value, ["name"])} />
          </PathField>
          <PathField form={form} path="description" label="What is done" hint="Shown on status pages with the window.">
            <Textarea
              value={draft.description}
              rows={2}
              className="font-sans text-sm"
              onChange={(e) => set("description", e.target.value, ["description"])}
            />
          </PathField>
          <SwitchField
            id="window-active"
            label={draft.active ? "In force" : "Not in force"}
            hint="A window not in force keeps its schedule and opens no more."
            checked={draft.active}
            onChange={(v) => set("active", v, ["active"])}
          />
        </CardContent>
      </Card>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={form.busy}>
          {form.busy ? "Saving…" : submitLabel}
        </Button>
        <Button variant="outline" asChild>
          <Link to={cancelTo}>Cancel</Link>
        </Button>
      </div>
    </form>
  );
}
