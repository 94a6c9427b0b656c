/**
 * The browser session: the access token (kept in memory only, never in storage), the
 * refresh that renews it from the `HttpOnly` session cookie, and the signed-in user.
 *
 * Refreshes are single-flight: any number of callers that need a new token share one
 * `POST /auth/refresh`, and across tabs they take turns (Web Locks), because the server
 * rotates the refresh cookie on every use and treats a second use of the old one as theft.
 * A token is renewed about a minute before it expires; a request that still meets an
 * expired token refreshes once and is retried once. When the cookie no longer works the
 * session ends and every listener hears "signed out".
 */
import { errorFromResponse, type Envelope } from "./envelope";
import type { components } from "./schema";

export type SessionUser = components["schemas"]["UserView"];

/** What the login and refresh endpoints answer inside the envelope. */
export interface TokenGrant {
  access_token: string;
  expires_in: number;
  user: SessionUser;
}

/** Why a session ended. */
export type EndReason = "signed-out" | "expired" | "revoked";

export type SessionState =
  { status: "restoring" } | { status: "signed-out"; reason: EndReason | null } | { status: "signed-in"; user: SessionUser };

/** Headers every request to the server carries; cookie-authenticated calls need it. */
export const REQUESTED_WITH = { "X-Requested-With": "monitron" } as const;

/** Seconds before expiry at which the token is renewed. */
export const REFRESH_LEAD_S = 60;
/** Retry delay after a refresh that failed for a reason other than a dead cookie. */
const RETRY_AFTER_FAILURE_MS = 15_000;

export interface SessionOptions {
  fetch?: typeof fetch;
  baseUrl?: string;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** Serialises refreshes across tabs; `navigator.locks` where the browser has it. */
  lock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  /** Tells other tabs this one signed out. */
  channel?: { postMessage(message: unknown): void; onmessage: ((event: MessageEvent) => void) | null } | null;
}

function defaultLock(): SessionOptions["lock"] {
  if (typeof navigator !== "undefined" && navigator.locks) {
    const locks = navigator.locks;
    // The lock resolves with what the callback's promise resolves to.
    return <T>(name: string, fn: () => Promise<T>) => locks.request(name, fn) as unknown as Promise<T>;
  }
  return undefined;
}

export class Session {
  private token: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private timer: unknown = null;
  private listeners = new Set<() => void>();
  private state: SessionState = { status: "restoring" };
  private readonly fetchImpl: typeof fetch;
  private readonly baseUrl: string;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly lock: SessionOptions["lock"];
  private readonly channel: SessionOptions["channel"];

  constructor(options: SessionOptions = {}) {
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.baseUrl = options.baseUrl ?? "";
    this.setTimer = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.clearTimer = options.clearTimeout ?? ((handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>));
    this.lock = options.lock ?? defaultLock();
    this.channel = options.channel === undefined ? openChannel() : options.channel;
    if (this.channel) {
      this.channel.onmessage = (event) => {
        if (event.data === "signed-out" && this.state.status === "signed-in") this.end("signed-out", false);
      };
    }
  }

  /** For `useSyncExternalStore`. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** For `useSyncExternalStore`. */
  getSnapshot = (): SessionState => this.state;

  /** The current access token, if signed in. */
  accessToken(): string | null {
    return this.token;
  }

  /** Restores a session from the cookie at start-up. */
  async restore(): Promise<void> {
    const ok = await this.refresh();
    if (!ok && this.state.status === "restoring") this.setState({ status: "signed-out", reason: null });
  }

  /** Signs in and keeps the refresh token in the session cookie. */
  async signIn(login: string, password: string): Promise<SessionUser> {
    const response = await this.post("/api/v1/auth/login", { login, password, session: "cookie" });
    const body = await readJson(response);
    const envelope = body as Envelope<TokenGrant> | null;
    if (!response.ok || !envelope || envelope.code !== 0 || !envelope.data) {
      throw errorFromResponse(response, body);
    }
    this.accept(envelope.data);
    return envelope.data.user;
  }

  /** Takes a grant obtained elsewhere (registration that signs in). */
  accept(grant: TokenGrant): void {
    this.token = grant.access_token;
    this.schedule(Math.max(5, grant.expires_in - REFRESH_LEAD_S) * 1000);
    this.setState({ status: "signed-in", user: grant.user });
  }

  /** Replaces the signed-in user's record (after the profile changed). */
  updateUser(user: SessionUser): void {
    if (this.state.status === "signed-in") this.setState({ status: "signed-in", user });
  }

  /**
   * Renews the access token. Concurrent callers share one request. Resolves true when a
   * new token is held; false when the refresh failed (the session has ended if the
   * server refused the cookie).
   */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      const run = () => this.exchangeCookie();
      const attempt = this.lock ? this.lock("monitron-session-refresh", run) : run();
      this.refreshing = attempt.finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  /**
   * Called when the server rejected `sentToken` as missing or expired. If another request
   * already renewed the token meanwhile, the new one is used without a second refresh.
   */
  async renewAfterRejection(sentToken: string | null): Promise<boolean> {
    if (this.token !== null && this.token !== sentToken) return true;
    return this.refresh();
  }

  /** Signs out on the server (revoking the session) and here. */
  async signOut(): Promise<void> {
    try {
      await this.post("/api/v1/auth/logout", undefined, true);
    } catch {
      // Signing out here matters more than telling the server; the cookie dies with its session.
    }
    this.end("signed-out");
  }

  /** Ends the session here: the token is forgotten and listeners hear "signed out". */
  end(reason: EndReason, broadcast = true): void {
    this.token = null;
    this.refreshing = null;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    if (broadcast && reason === "signed-out") this.channel?.postMessage("signed-out");
    this.setState({ status: "signed-out", reason });
  }

  private async exchangeCookie(): Promise<boolean> {
    let response: Response;
    try {
      response = await this.post("/api/v1/auth/refresh");
    } catch {
      // Offline or the server is restarting: keep what we have and try again soon.
      if (this.state.status === "signed-in") this.schedule(RETRY_AFTER_FAILURE_MS);
      return false;
    }
    const body = (await readJson(response)) as Envelope<TokenGrant> | null;
    if (response.ok && body && body.code === 0 && body.data) {
      this.accept(body.data);
      return true;
    }
    // Any refusal (401 as the contract says, or a 400 naming the missing cookie) means the
    // cookie cannot renew this session; only 5xx answers are worth trying again.
    if (response.status >= 400 && response.status < 500 && response.status !== 429) {
      if (this.state.status === "restoring") this.setState({ status: "signed-out", reason: null });
      else if (this.state.status === "signed-in") this.end("expired");
      return false;
    }
    if (this.state.status === "signed-in") this.schedule(RETRY_AFTER_FAILURE_MS);
    return false;
  }

  private post(path: string, body?: unknown, withToken = false): Promise<Response> {
    const headers: Record<string, string> = { ...REQUESTED_WITH, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (withToken && this.token) headers["Authorization"] = `Bearer ${this.token}`;
    return this.fetchImpl(`${this.baseUrl}${path}`, {
      method: "POST",
      headers,
      credentials: "same-origin",
      body: body === undefined ? null : JSON.stringify(body),
    });
  }

  private schedule(ms: number): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = this.setTimer(() => {
      this.timer = null;
      void this.refresh();
    }, ms);
  }

  private setState(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

function openChannel(): SessionOptions["channel"] {
  if (typeof BroadcastChannel === "undefined") return null;
  return new BroadcastChannel("monitron-session");
}
