import { describe, expect, it, vi } from "vitest";
import { createApiClient } from "./client";
import { ApiError, unwrap } from "./envelope";
import { Session } from "./session";

const user = {
  id: "0190a000-0000-7000-8000-000000000001",
  username: "admin",
  email: "admin@example.com",
  role: "admin" as const,
  status: "active" as const,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const grant = (token: string, expires_in = 900) =>
  json(200, { code: 0, message: "OK", data: { access_token: token, token_type: "Bearer", expires_in, user }, error: null });
const expired = () => json(401, { code: 40102, message: "Invalid or expired token", data: null, error: null });
const ok = (data: unknown) => json(200, { code: 0, message: "OK", data, error: null });

/** A fake server: `routes` answers by path; every request is recorded. */
function fakeServer(route: (path: string, request: Request) => Response | Promise<Response>) {
  const calls: { path: string; auth: string | null; requestedWith: string | null; body: string | null }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), "http://localhost"), init);
    const path = new URL(request.url).pathname;
    const body = request.method === "GET" ? null : await request.clone().text();
    calls.push({
      path,
      auth: request.headers.get("Authorization"),
      requestedWith: request.headers.get("X-Requested-With"),
      body,
    });
    return route(path, request);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

function setup(route: (path: string, request: Request) => Response | Promise<Response>) {
  const server = fakeServer(route);
  const timers: { fn: () => void; ms: number }[] = [];
  const session = new Session({
    fetch: server.fetch,
    baseUrl: "http://localhost",
    channel: null,
    lock: (_name, fn) => fn(),
    setTimeout: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimeout: () => {},
  });
  const api = createApiClient(session, { fetch: server.fetch, baseUrl: "http://localhost" });
  return { session, api, calls: server.calls, timers };
}

describe("session", () => {
  it("restores from the cookie at start-up and schedules a refresh a minute before expiry", async () => {
    const { session, calls, timers } = setup((path) => (path === "/api/v1/auth/refresh" ? grant("t1", 900) : expired()));
    expect(session.getSnapshot().status).toBe("restoring");
    await session.restore();
    expect(session.getSnapshot()).toEqual({ status: "signed-in", user });
    expect(session.accessToken()).toBe("t1");
    expect(calls[0]).toMatchObject({ path: "/api/v1/auth/refresh", requestedWith: "monitron", auth: null });
    expect(timers.at(-1)?.ms).toBe(840_000);
  });

  it("ends up signed out (without a reason) when no cookie works at start-up", async () => {
    const { session } = setup(() => json(401, { code: 40101, message: "Missing credentials", data: null, error: null }));
    await session.restore();
    expect(session.getSnapshot()).toEqual({ status: "signed-out", reason: null });
  });

  it("sends the bearer token and X-Requested-With on every API request", async () => {
    const { session, api, calls } = setup((path) =>
      path === "/api/v1/auth/refresh" ? grant("t1") : ok({ theme: "dark", color: "blue" }),
    );
    await session.restore();
    await unwrap(api.GET("/api/v1/me/preferences"));
    expect(calls.at(-1)).toMatchObject({ path: "/api/v1/me/preferences", auth: "Bearer t1", requestedWith: "monitron" });
  });

  it("shares one refresh between concurrent requests that met an expired token, then retries each once", async () => {
    let token = "old";
    let refreshes = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { session, api, calls } = setup(async (path, request) => {
      if (path === "/api/v1/auth/refresh") {
        refreshes += 1;
        await gate;
        token = `new${refreshes}`;
        return grant(token);
      }
      return request.headers.get("Authorization") === `Bearer ${token}` && token !== "old" ? ok({ path }) : expired();
    });
    session.accept({ access_token: "old", expires_in: 900, user });
    const a = unwrap(api.GET("/api/v1/me/preferences"));
    const b = unwrap(api.GET("/api/v1/me"));
    const c = unwrap(api.PUT("/api/v1/me/preferences", { body: { theme: "light", color: "green" } }));
    await vi.waitFor(() => expect(refreshes).toBe(1));
    release();
    await expect(Promise.all([a, b, c])).resolves.toEqual([
      { path: "/api/v1/me/preferences" },
      { path: "/api/v1/me" },
      { path: "/api/v1/me/preferences" },
    ]);
    expect(refreshes).toBe(1);
    // The retried PUT carried its body again.
    const puts = calls.filter((c) => c.path === "/api/v1/me/preferences" && c.body);
    expect(puts.map((p) => JSON.parse(p.body!))).toEqual([
      { theme: "light", color: "green" },
      { theme: "light", color: "green" },
    ]);
  });

  it("does not refresh again for a request that failed with a token already replaced", async () => {
    let refreshes = 0;
    const { session, api } = setup((path, request) => {
      if (path === "/api/v1/auth/refresh") {
        refreshes += 1;
        return grant("fresh");
      }
      return request.headers.get("Authorization") === "Bearer fresh" ? ok(1) : expired();
    });
    session.accept({ access_token: "stale", expires_in: 900, user });
    await unwrap(api.GET("/api/v1/me"));
    expect(refreshes).toBe(1);
    // A request sent with "stale" before the refresh came back late: it is retried with "fresh".
    await expect(session.renewAfterRejection("stale")).resolves.toBe(true);
    expect(refreshes).toBe(1);
  });

  it("retries a request once only: a second 401 after the refresh is the answer", async () => {
    let refreshes = 0;
    const { session, api, calls } = setup((path) => {
      if (path === "/api/v1/auth/refresh") {
        refreshes += 1;
        return grant(`t${refreshes}`);
      }
      return expired();
    });
    session.accept({ access_token: "t0", expires_in: 900, user });
    const error = await unwrap(api.GET("/api/v1/me")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(40102);
    expect(refreshes).toBe(1);
    expect(calls.filter((c) => c.path === "/api/v1/me")).toHaveLength(2);
  });

  it("ends the session when the refresh is refused, so the app goes to sign-in", async () => {
    const { session, api } = setup((path) =>
      path === "/api/v1/auth/refresh"
        ? json(401, { code: 40102, message: "Session revoked", data: null, error: null })
        : expired(),
    );
    session.accept({ access_token: "t0", expires_in: 900, user });
    const seen: string[] = [];
    session.subscribe(() => seen.push(session.getSnapshot().status));
    await expect(unwrap(api.GET("/api/v1/me"))).rejects.toBeInstanceOf(ApiError);
    expect(session.getSnapshot()).toEqual({ status: "signed-out", reason: "expired" });
    expect(session.accessToken()).toBeNull();
    expect(seen).toEqual(["signed-out"]);
  });

  it("keeps the session when the refresh could not reach the server, and tries again later", async () => {
    const { session, timers } = setup(() => {
      throw new TypeError("Failed to fetch");
    });
    session.accept({ access_token: "t0", expires_in: 900, user });
    await expect(session.refresh()).resolves.toBe(false);
    expect(session.getSnapshot().status).toBe("signed-in");
    expect(timers.at(-1)?.ms).toBe(15_000);
  });

  it("does not treat a 401 from the sign-in endpoints as an expired session", async () => {
    let refreshes = 0;
    const { api } = setup((path) => {
      if (path === "/api/v1/auth/refresh") refreshes += 1;
      return json(401, { code: 40101, message: "Missing credentials", data: null, error: null });
    });
    await expect(unwrap(api.POST("/api/v1/auth/forgot-password", { body: { email: "a@b.c" } }))).rejects.toBeInstanceOf(ApiError);
    expect(refreshes).toBe(0);
  });

  it("signs in with the cookie session and reports wrong credentials with the server's code", async () => {
    const { session, calls } = setup(() =>
      json(401, { code: 40103, message: "Wrong login or password", data: null, error: null }),
    );
    const error = await session.signIn("admin", "nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(40103);
    expect(JSON.parse(calls[0]!.body!)).toEqual({ login: "admin", password: "nope", session: "cookie" });
  });

  it("signs out on the server with the token and X-Requested-With, then here", async () => {
    const { session, calls } = setup(() => ok({ revoked_sessions: 1 }));
    session.accept({ access_token: "t0", expires_in: 900, user });
    await session.signOut();
    expect(calls[0]).toMatchObject({ path: "/api/v1/auth/logout", auth: "Bearer t0", requestedWith: "monitron" });
    expect(session.getSnapshot()).toEqual({ status: "signed-out", reason: "signed-out" });
  });

  it("runs the scheduled refresh when its timer fires", async () => {
    let refreshes = 0;
    const { session, timers } = setup(() => {
      refreshes += 1;
      return grant(`t${refreshes}`, 120);
    });
    session.accept({ access_token: "t0", expires_in: 120, user });
    expect(timers.at(-1)?.ms).toBe(60_000);
    timers.at(-1)!.fn();
    await vi.waitFor(() => expect(session.accessToken()).toBe("t1"));
  });
});
