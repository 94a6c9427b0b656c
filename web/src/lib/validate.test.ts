import { describe, expect, it } from "vitest";
import * as v from "./validate";

describe("validation as you type", () => {
  it.each([
    ["https://example.com", null],
    ["http://10.0.0.1:8080/health?x=1", null],
    ["", "is required"],
    ["example.com", "is not a valid URL"],
    ["ftp://example.com", "must start with http:// or https://"],
  ])("httpUrl(%j)", (input, expected) => expect(v.httpUrl(input)).toBe(expected));

  it.each([
    ["db.internal", null],
    ["[::1]", null],
    ["10.0.0.1", null],
    ["", "is required"],
    ["https://db", "must be a host name or IP address, without scheme or path"],
    ["db/x", "must be a host name or IP address, without scheme or path"],
  ])("host(%j)", (input, expected) => expect(v.host(input)).toBe(expected));

  it.each([
    ["200", null],
    ["200-299", null],
    ["2xx", null],
    ["99", "must be between 100 and 599"],
    ["300-200", "must be codes between 100 and 599, low to high"],
    ["ok", '"ok" is not a status code, range (200-299) or class (2xx)'],
  ])("statusRange(%j)", (input, expected) => expect(v.statusRange(input)).toBe(expected));

  it("checks whole numbers in a range", () => {
    const interval = v.intBetween(1, 86_400);
    expect(interval("10")).toBeNull();
    expect(interval("0")).toBe("must be between 1 and 86400");
    expect(interval("1.5")).toBe("must be a whole number");
    expect(v.port("65536")).toBe("must be between 1 and 65535");
  });

  it("checks accounts", () => {
    expect(v.username("admin")).toBeNull();
    expect(v.username("ad")).toMatch(/3-32/);
    expect(v.email("a@b.co")).toBeNull();
    expect(v.email("a@b")).toBe("must be an e-mail address");
    expect(v.password("short")).toBe("must be at least 10 characters");
    expect(v.password("long enough!")).toBeNull();
  });

  it("accepts resolvers with and without a port", () => {
    expect(v.resolver("1.1.1.1")).toBeNull();
    expect(v.resolver("1.1.1.1:53")).toBeNull();
    expect(v.resolver("[2606:4700::1111]:53")).toBeNull();
    expect(v.resolver("dns.google")).toBe("must be an IP address, optionally with :port");
  });
});
