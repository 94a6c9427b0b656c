import { describe, expect, it } from "vitest";
import { ApiError } from "@/api/envelope";
import { errorText } from "./error-text";

const conflict = (fields: Record<string, string>) => new ApiError({ status: 409, code: 40901, message: "Conflict", fields });

describe("errorText", () => {
  it("names the subject of a refusal keyed by id", () => {
    expect(errorText(conflict({ id: "is used by the alert rules A; remove it from them first" }), "This channel")).toBe(
      "This channel is used by the alert rules A; remove it from them first.",
    );
  });
  it("keeps reasons that say their subject, and names the field otherwise", () => {
    expect(errorText(conflict({ role: "the last active administrator cannot be demoted or deactivated" }))).toBe(
      "The last active administrator cannot be demoted or deactivated.",
    );
    expect(errorText(conflict({ confirm_password: "is incorrect" }))).toBe("Confirm password is incorrect.");
  });
  it("falls back to the message without fields", () => {
    expect(errorText(new ApiError({ status: 404, code: 40401, message: "Not found" }))).toBe("Not found");
  });
});
