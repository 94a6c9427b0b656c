import { describe, expect, it } from "vitest";
import { ApiError, unwrap } from "./envelope";

function response(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
}

describe("unwrap", () => {
  it("returns data of a success envelope", async () => {
    const body = { code: 0, message: "OK", data: { id: 1 }, error: null };
    await expect(unwrap(Promise.resolve({ data: body, response: response(200, body) }))).resolves.toEqual({ id: 1 });
  });

  it("throws the envelope's code, message and field errors", async () => {
    const body = {
      code: 40001,
      message: "Validation failed",
      data: null,
      error: { "config.url": "must start with http://", name: "is required" },
    };
    const error = (await unwrap(Promise.resolve({ error: body, response: response(400, body, { "X-Request-ID": "r1" }) })).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.code).toBe(40001);
    expect(error.message).toBe("Validation failed");
    expect(error.fields).toEqual({ "config.url": "must start with http://", name: "is required" });
    expect(error.requestId).toBe("r1");
  });

  it("uses the general reason `_` as the summary, and the request id for 5xx", async () => {
    const general = new ApiError({
      status: 409,
      code: 40901,
      message: "Conflict",
      fields: { _: "the last administrator cannot be demoted" },
    });
    expect(general.summary).toBe("the last administrator cannot be demoted");
    const internal = new ApiError({ status: 500, code: 50001, message: "Internal error", requestId: "abc" });
    expect(internal.summary).toBe("Internal error (request abc)");
  });

  it("turns a body that is not an envelope into an error with the status", async () => {
    const error = (await unwrap(
      Promise.resolve({
        error: "Bad gateway",
        response: new Response("Bad gateway", { status: 502, statusText: "Bad Gateway" }),
      }),
    ).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.code).toBe(50200);
    expect(error.message).toBe("Bad Gateway");
  });

  it("reports a network failure as status 0", async () => {
    const error = (await unwrap(Promise.reject(new TypeError("Failed to fetch"))).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/Cannot reach the server/);
  });

  it("throws for a 200 whose envelope carries a non-zero code", async () => {
    const body = { code: 50301, message: "Dependency down", data: null, error: { _: "smtp refused" } };
    await expect(unwrap(Promise.resolve({ data: body, response: response(200, body) }))).rejects.toMatchObject({ code: 50301 });
  });
});
