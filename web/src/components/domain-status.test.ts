import { describe, expect, it } from "vitest";
import { certificateOf, daysLeftText, issuerName } from "./domain-status";

describe("domain status", () => {
  it("says how long is left", () => {
    expect(daysLeftText(45)).toBe("45 days left");
    expect(daysLeftText(1)).toBe("1 day left");
    expect(daysLeftText(0)).toBe("expires today");
    expect(daysLeftText(-3)).toBe("expired 3 days ago");
  });

  it("names the issuer briefly", () => {
    expect(issuerName("CN=R11, O=Let's Encrypt, C=US")).toBe("Let's Encrypt (R11)");
    expect(issuerName("CN=Internal CA")).toBe("Internal CA");
    expect(issuerName(null)).toBeNull();
  });

  it("reads certificate details defensively", () => {
    expect(certificateOf(null)).toBeNull();
    expect(certificateOf({ days_left: 20, sans: ["a", 1], chain_valid: true, issuer: 5 })).toMatchObject({
      days_left: 20,
      sans: ["a"],
      chain_valid: true,
      issuer: null,
    });
  });
});
