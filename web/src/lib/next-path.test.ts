import { describe, expect, it } from "vitest";
import { sameOriginPath, statusPageSlug } from "./next-path";

const origin = "https://monitron.example.com";

describe("where sign-in may lead", () => {
  it.each([
    ["/services?status=down", "/services?status=down"],
    ["/status/acme", "/status/acme"],
    ["/users/1#grants", "/users/1#grants"],
    ["/a/../status/acme", "/status/acme"],
  ])("follows the path %j", (next, path) => {
    expect(sameOriginPath(next, origin)).toBe(path);
  });

  it.each([
    [null],
    [""],
    ["services"],
    ["https://evil.example/"],
    ["//evil.example/"],
    ["/\\evil.example/"],
    ["/\t/evil.example/"],
    ["/\n/evil.example/"],
    ["javascript:alert(1)"],
  ])("refuses %j", (next) => {
    expect(sameOriginPath(next, origin)).toBeNull();
  });
});

describe("status page paths", () => {
  it.each([
    ["/status/acme", "acme"],
    ["/status/acme/", "acme"],
    ["/status/acme-eu-2?x=1", "acme-eu-2"],
    ["/status/acme.json", null],
    ["/status/acme/feed.atom", null],
    ["/status/a", null],
    ["/status/", null],
    ["/services", null],
    ["/statuses/acme", null],
  ])("%j -> %j", (path, slug) => {
    expect(statusPageSlug(path)).toBe(slug);
  });
});
