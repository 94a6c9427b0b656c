/**
 * The escalation policy form's model: steps that go out at a delay after the alert fired
 * (to channels and users), and how many times the steps run again.
 */
import type { components } from "@/api/schema";
import { formatDuration } from "./time";

type Schemas = components["schemas"];
export type Policy = Schemas["PolicyView"];
export type PolicyBody = Schemas["PolicyInput"];
export type PolicyStep = Schemas["Step"];

export const MAX_STEPS = 20;
export const MAX_REPEAT = 10;
/** The last step may wait a week. */
export const MAX_STEP_DELAY_S = 7 * 86_400;

export interface StepDraft {
  /** Minutes after the alert fired. */
  delay_min: string;
  channels: string[];
  users: string[];
}

export interface PolicyDraft {
  name: string;
  repeat: string;
  steps: StepDraft[];
}

export function emptyStep(delayMin = "0"): StepDraft {
  return { delay_min: delayMin, channels: [], users: [] };
}

export function emptyPolicyDraft(): PolicyDraft {
  return { name: "", repeat: "0", steps: [emptyStep()] };
}

export function policyDraft(policy: Policy): PolicyDraft {
  return {
    name: policy.name,
    repeat: String(policy.repeat),
    steps: policy.steps.map((s) => ({
      delay_min: String(s.delay_s / 60),
      channels: s.channels ?? [],
      users: s.users ?? [],
    })),
  };
}

export function toPolicyBody(draft: PolicyDraft): { body: PolicyBody; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const name = draft.name.trim();
  if (!name) problems["name"] = "is required";
  else if (name.length > 200) problems["name"] = "must be at most 200 characters";
  if (draft.steps.length === 0 || draft.steps.length > MAX_STEPS) problems["steps"] = `needs 1 to ${MAX_STEPS} steps`;
  const steps: PolicyStep[] = draft.steps.map((step, i) => {
    const text = step.delay_min.trim();
    const minutes = Number(text);
    const delay_s = Math.round(minutes * 60);
    if (!/^\d+(\.\d+)?$/.test(text)) problems[`steps[${i}].delay_s`] = "must be a number of minutes";
    else if (delay_s > MAX_STEP_DELAY_S)
      problems[`steps[${i}].delay_s`] = `must be at most ${MAX_STEP_DELAY_S / 60} minutes (a week)`;
    else if (i > 0) {
      const before = Math.round(Number(draft.steps[i - 1]!.delay_min.trim()) * 60);
      if (delay_s < before) problems[`steps[${i}].delay_s`] = "must not be less than the step before";
    }
    if (step.channels.length === 0 && step.users.length === 0) problems[`steps[${i}]`] = "needs a channel or a user";
    return { delay_s, channels: step.channels, users: step.users };
  });
  const repeat = draft.repeat.trim();
  if (!/^\d+$/.test(repeat) || Number(repeat) > MAX_REPEAT) problems["repeat"] = `must be between 0 and ${MAX_REPEAT}`;
  return { body: { name, steps, repeat: Number(repeat) }, problems };
}

/** "At once, then after 15 min, 1 h" */
export function describeSteps(steps: readonly PolicyStep[]): string {
  return steps.map((s) => (s.delay_s === 0 ? "at once" : `after ${formatDuration(s.delay_s)}`)).join(", then ");
}
