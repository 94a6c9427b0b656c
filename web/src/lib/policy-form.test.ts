import { describe, expect, it } from "vitest";
import { describeSteps, emptyPolicyDraft, policyDraft, toPolicyBody } from "./policy-form";

describe("escalation policies", () => {
  it("round-trips steps with delays in minutes", () => {
    const policy = {
      id: "p1",
      name: "On call",
      steps: [
        { delay_s: 0, channels: ["c1"], users: [] },
        { delay_s: 900, channels: [], users: ["u1"] },
      ],
      repeat: 2,
      created_at: "",
      updated_at: "",
    };
    const { body, problems } = toPolicyBody(policyDraft(policy));
    expect(problems).toEqual({});
    expect(body).toEqual({ name: "On call", steps: policy.steps, repeat: 2 });
  });

  it("names empty steps, shrinking delays and a bad repeat", () => {
    const draft = emptyPolicyDraft();
    draft.name = "P";
    draft.repeat = "11";
    draft.steps = [
      { delay_min: "30", channels: ["c"], users: [] },
      { delay_min: "10", channels: [], users: [] },
    ];
    expect(toPolicyBody(draft).problems).toEqual({
      "steps[1].delay_s": "must not be less than the step before",
      "steps[1]": "needs a channel or a user",
      repeat: "must be between 0 and 10",
    });
  });

  it("says when steps go out", () => {
    expect(describeSteps([{ delay_s: 0 }, { delay_s: 900 }, { delay_s: 3600 }])).toBe(
      "at once, then after 15 min, then after 1 h",
    );
  });
});
