import { describe, expect, it } from "vitest";
import { ApiError } from "@/api/envelope";
import { errorAt, formLevelError } from "./form-errors";

const fields = {
  "config.url": "must start with http:// or https://",
  "config.expected_status[1]": "must be codes between 100 and 599, low to high",
  "config.headers.X-Token": "is not a valid header value",
  interval_s: "must be between 1 and 86400",
  depends_on: "names a monitor that does not exist",
  _: "the service could not be saved",
};

describe("server field errors on the form", () => {
  it("puts each reason on its input, nested ones on the input holding them", () => {
    expect(errorAt(fields, "config.url")).toBe("must start with http:// or https://");
    expect(errorAt(fields, "config.expected_status")).toBe("entry 2: must be codes between 100 and 599, low to high");
    expect(errorAt(fields, "config.headers")).toBe("X-Token: is not a valid header value");
    expect(errorAt(fields, "name")).toBeUndefined();
    // A prefix alone is not a match.
    expect(errorAt({ "config.urls": "x" }, "config.url")).toBeUndefined();
  });

  it("lists at the top what no input shows, and the general reason", () => {
    const error = new ApiError({ status: 400, code: 40001, message: "Validation failed", fields });
    expect(formLevelError(error, ["config.url", "config.expected_status", "config.headers", "interval_s"])).toBe(
      "the service could not be saved. depends_on names a monitor that does not exist",
    );
    expect(
      formLevelError(new ApiError({ status: 400, code: 40001, message: "Validation failed", fields: { name: "is required" } }), [
        "name",
      ]),
    ).toBeNull();
    expect(formLevelError(new ApiError({ status: 403, code: 40301, message: "Forbidden" }), [])).toBe("Forbidden");
    expect(formLevelError(null, [])).toBeNull();
  });
});
