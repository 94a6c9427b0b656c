import { describe, expect, it } from "vitest";
import type { Domain } from "@/api/types";
import { cleanDomain, draftFromDomain, emptyDomainDraft, toDomainBody } from "./domain-form";

const stored: Domain = {
  id: "d1",
  name: "example.com",
  domain: "example.com",
  description: null,
  labels: { env: "prod" },
  depends_on: [],
  group: "Web",
  enabled: true,
  interval_s: 86_400,
  timeout_s: 30,
  warning_threshold_days: 30,
  expiry_threshold_days: 7,
  check_ssl: true,
  ssl_port: 443,
  ssl_host: null,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  state: { status: "up" },
};

describe("domain form", () => {
  it("takes what people paste", () => {
    expect(cleanDomain(" https://www.Example.com/path?q=1 ")).toBe("www.example.com");
    expect(cleanDomain("example.org.")).toBe("example.org");
  });

  it("builds the create body: hours to seconds, the name defaulting to the domain", () => {
    const draft = { ...emptyDomainDraft(), domain: "https://Example.com/", group: " Web " };
    const { body, problems } = toDomainBody(draft);
    expect(problems).toEqual({});
    expect(body).toMatchObject({
      domain: "example.com",
      name: "example.com",
      interval_s: 86_400,
      timeout_s: 30,
      warning_threshold_days: 30,
      expiry_threshold_days: 7,
      check_ssl: true,
      ssl_port: 443,
      group: "Web",
      labels: {},
    });
    expect(body).not.toHaveProperty("description");
    expect(body).not.toHaveProperty("ssl_host");
  });

  it("finds problems under the API's field names", () => {
    const draft = {
      ...emptyDomainDraft(),
      domain: "localhost",
      interval_h: "1",
      warning_threshold_days: "5",
      expiry_threshold_days: "10",
      ssl_port: "0",
      labels: [{ key: "", value: "x" }],
    };
    const { problems } = toDomainBody(draft);
    expect(Object.keys(problems).sort()).toEqual(["domain", "expiry_threshold_days", "interval_s", "labels[0]", "ssl_port"]);
    expect(problems["interval_s"]).toMatch(/between 4 and 720 hours/);
    expect(toDomainBody({ ...emptyDomainDraft(), domain: "" }).problems["domain"]).toBe("is required");
  });

  it("leaves the certificate settings out when the certificate is not checked", () => {
    const { body, problems } = toDomainBody({ ...emptyDomainDraft(), domain: "example.com", check_ssl: false, ssl_port: "x" });
    expect(problems).toEqual({});
    expect(body.check_ssl).toBe(false);
    expect(body).not.toHaveProperty("ssl_port");
  });

  it("fills the form from a stored domain and sends clears when editing", () => {
    const draft = draftFromDomain({ ...stored, interval_s: 15_000 });
    expect(draft.name).toBe(""); // the default name
    expect(draft.interval_h).toBe("4.17");
    expect(draft.labels).toEqual([{ key: "env", value: "prod" }]);
    const { body } = toDomainBody({ ...draftFromDomain(stored), group: "" }, true);
    expect(body).toMatchObject({ description: "", group: "", ssl_host: "", interval_s: 86_400 });
  });
});
