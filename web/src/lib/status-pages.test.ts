import { describe, expect, it } from "vitest";
import {
  addComponent,
  addSection,
  badgeMarkdown,
  componentIdsOf,
  emptyComponentDraft,
  emptyIncidentDraft,
  emptyPageDraft,
  moveComponent,
  moveSection,
  pageDraft,
  publicLinks,
  RESERVED_SLUGS,
  removeComponent,
  removeSection,
  renameSection,
  sectionDrafts,
  slugFromTitle,
  slugProblem,
  toComponentBody,
  toIncidentBody,
  toPageBody,
  toSections,
  toUpdateBody,
  type SectionDraft,
  type StatusPage,
} from "./status-pages";

function drafts(...sections: [string, string[]][]): SectionDraft[] {
  return sections.map(([name, components], i) => ({ key: `k${i}`, name, components }));
}

/** What the page would send: section names and `component_id:order` pairs. */
function sent(sections: SectionDraft[]) {
  return toSections(sections).map((s) => ({
    name: s.name,
    components: (s.components ?? []).map((c) => `${c.component_id}:${c.order}`),
  }));
}

describe("slugs", () => {
  it.each([
    ["acme", null],
    ["a1", null],
    ["acme-cloud-eu", null],
    ["a".repeat(64), null],
    ["", "is required"],
    ["a", "must be 2 to 64 characters"],
    ["a".repeat(65), "must be 2 to 64 characters"],
    ["Acme", "may hold only lowercase letters, digits and hyphens"],
    ["acme cloud", "may hold only lowercase letters, digits and hyphens"],
    ["acme_cloud", "may hold only lowercase letters, digits and hyphens"],
    ["äcme", "may hold only lowercase letters, digits and hyphens"],
    ["-acme", "must not start or end with a hyphen"],
    ["acme-", "must not start or end with a hyphen"],
    ["api", '"api" is reserved; choose another'],
    ["status", '"status" is reserved; choose another'],
  ])("%j: %s", (slug, reason) => {
    expect(slugProblem(slug)).toBe(reason);
  });

  it("refuses every reserved word the server keeps", () => {
    expect(RESERVED_SLUGS).toEqual(
      "api admin assets static new login logout status badge docs graphql metrics healthz readyz ack settings feed reports".split(
        " ",
      ),
    );
    for (const slug of RESERVED_SLUGS) expect(slugProblem(slug)).toMatch(/reserved/);
  });

  it.each([
    ["Acme Cloud", "acme-cloud"],
    ["  Acme — Cloud (EU)!  ", "acme-cloud-eu"],
    ["Café Zürich", "cafe-zurich"],
    ["x".repeat(70), "x".repeat(64)],
    [`${"a".repeat(63)} b`, "a".repeat(63)],
    ["!!!", ""],
  ])("suggests %j -> %j from a title", (title, slug) => {
    expect(slugFromTitle(title)).toBe(slug);
  });
});

describe("the sections editor", () => {
  const start = () => drafts(["Web", ["a", "b", "c"]], ["API", ["d"]]);

  it("writes order values from the visual order", () => {
    expect(sent(start())).toEqual([
      { name: "Web", components: ["a:0", "b:1", "c:2"] },
      { name: "API", components: ["d:0"] },
    ]);
  });

  it("moves a component up and down within its section", () => {
    expect(sent(moveComponent(start(), 0, 2, -1))[0]!.components).toEqual(["a:0", "c:1", "b:2"]);
    expect(sent(moveComponent(start(), 0, 0, 1))[0]!.components).toEqual(["b:0", "a:1", "c:2"]);
    // At an end nothing moves, and the other section is untouched.
    expect(sent(moveComponent(start(), 0, 0, -1))).toEqual(sent(start()));
    expect(sent(moveComponent(start(), 0, 2, 1))).toEqual(sent(start()));
    expect(sent(moveComponent(start(), 0, 1, 1))[1]).toEqual({ name: "API", components: ["d:0"] });
  });

  it("moves sections, keeping their keys", () => {
    const moved = moveSection(start(), 1, -1);
    expect(moved.map((s) => s.key)).toEqual(["k1", "k0"]);
    expect(sent(moved)).toEqual([
      { name: "API", components: ["d:0"] },
      { name: "Web", components: ["a:0", "b:1", "c:2"] },
    ]);
    expect(moveSection(start(), 0, -1).map((s) => s.key)).toEqual(["k0", "k1"]);
    expect(moveSection(start(), 1, 1).map((s) => s.key)).toEqual(["k0", "k1"]);
  });

  it("adds, renames and removes sections; an empty name is sent as none", () => {
    let sections = addSection(start());
    expect(sections).toHaveLength(3);
    expect(sections[2]!.key).not.toBe(sections[1]!.key);
    sections = renameSection(sections, 2, "Status");
    expect(sections[2]!.name).toBe("Status");
    sections = renameSection(sections, 0, "   ");
    expect(sent(sections)[0]!.name).toBeNull();
    sections = removeSection(sections, 1);
    expect(sections.map((s) => s.name)).toEqual(["   ", "Status"]);
  });

  it("adds a component at the end of its section, once per page", () => {
    let sections = addComponent(start(), 1, "e");
    expect(sent(sections)[1]!.components).toEqual(["d:0", "e:1"]);
    // Already on the page (in another section): not added again.
    sections = addComponent(sections, 1, "a");
    expect(sent(sections)[1]!.components).toEqual(["d:0", "e:1"]);
    sections = removeComponent(sections, 0, 1);
    expect(sent(sections)[0]!.components).toEqual(["a:0", "c:1"]);
  });

  it("reads stored sections in their order, whatever order the list has", () => {
    const stored = [
      {
        name: "Web",
        components: [
          { component_id: "b", order: 5 },
          { component_id: "a", order: 1 },
          { component_id: "c", order: 9 },
        ],
      },
      { name: null, components: [] },
    ];
    const read = sectionDrafts(stored);
    expect(read.map((s) => s.components)).toEqual([["a", "b", "c"], []]);
    expect(read[1]!.name).toBe("");
    expect(componentIdsOf(stored)).toEqual(["a", "b", "c"]);
    // Sent back: renumbered from 0 by place.
    expect(sent(read)[0]!.components).toEqual(["a:0", "b:1", "c:2"]);
  });
});

const page: StatusPage = {
  id: "p1",
  slug: "acme",
  title: "Acme",
  description: "All of Acme",
  visibility: "private",
  theme: "dark",
  history_days: 90,
  sections: [{ name: "Web", components: [{ component_id: "a", order: 0 }] }],
  footer: null,
  logo_url: null,
  custom_domain: "status.acme.test",
  report_channel_id: "ch1",
  url: "https://status.example.com/status/acme",
  subscribers: 3,
  created_at: "",
  updated_at: "",
};

describe("the page form", () => {
  it("round-trips a page", () => {
    const { body, problems } = toPageBody(pageDraft(page));
    expect(problems).toEqual({});
    expect(body).toEqual({
      title: "Acme",
      slug: "acme",
      description: "All of Acme",
      visibility: "private",
      theme: "dark",
      history_days: 90,
      footer: "",
      logo_url: "",
      custom_domain: "status.acme.test",
      report_channel_id: "ch1",
      sections: [{ name: "Web", components: [{ component_id: "a", order: 0 }] }],
    });
  });

  it("names what is wrong under the API's field paths", () => {
    const draft = emptyPageDraft();
    draft.slug = "new";
    draft.logo_url = "ftp://logo";
    draft.custom_domain = "localhost";
    draft.sections = drafts(["x".repeat(201), ["a"]], ["", ["a"]]);
    expect(toPageBody(draft).problems).toEqual({
      title: "is required",
      slug: '"new" is reserved; choose another',
      logo_url: "must start with http:// or https://",
      custom_domain: "must be a host name such as status.example.com",
      "sections[0].name": "must be at most 200 characters",
      "sections[1].components[0].component_id": "is already on this page",
    });
  });

  it("sends no report channel as null", () => {
    const draft = emptyPageDraft();
    draft.title = "T";
    draft.slug = "tt";
    const { body, problems } = toPageBody(draft);
    expect(problems).toEqual({});
    expect(body.report_channel_id).toBeNull();
    expect(body.theme).toBe("auto");
    expect(body.history_days).toBe(30);
  });
});

describe("components, incidents and updates", () => {
  it("needs a display name and a monitor", () => {
    expect(toComponentBody(emptyComponentDraft()).problems).toEqual({
      display_name: "is required",
      target_id: "choose the service to show",
    });
    const { body, problems } = toComponentBody({
      display_name: " Checkout ",
      description: "",
      target_type: "domain",
      target_id: "m1",
      target_name: "shop-eu-1",
    });
    expect(problems).toEqual({});
    expect(body).toEqual({ display_name: "Checkout", description: "", target_type: "domain", target_id: "m1" });
  });

  it("needs a title and a first message for an incident, and a message for an update", () => {
    expect(toIncidentBody(emptyIncidentDraft()).problems).toEqual({
      title: "is required",
      message: "is required: the first update visitors read",
    });
    expect(toUpdateBody({ status: "resolved", message: "  " }).problems).toEqual({ message: "is required" });
    expect(toUpdateBody({ status: "resolved", message: " Fixed. " }).body).toEqual({ status: "resolved", message: "Fixed." });
  });
});

describe("public addresses", () => {
  it("gives the JSON, the feed and badge Markdown at the page's public origin", () => {
    expect(publicLinks(page)).toEqual({
      page: "https://status.example.com/status/acme",
      json: "https://status.example.com/status/acme.json",
      feed: "https://status.example.com/status/acme/feed.atom",
    });
    expect(badgeMarkdown(page, "c1", "Check[out]")).toBe(
      "[![Checkout status](https://status.example.com/badge/c1/status.svg)](https://status.example.com/status/acme) " +
        "[![Checkout uptime](https://status.example.com/badge/c1/uptime.svg?days=30)](https://status.example.com/status/acme)",
    );
  });
});
