/**
 * The typed API client (openapi-fetch over the generated `schema.d.ts`). Its middleware
 * adds the bearer token and `X-Requested-With: monitron` to every request, and when the
 * server answers 401 because the token is missing or expired it renews the session once
 * (shared with every other request waiting for the same renewal) and retries the request
 * once.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { Codes, peekCode } from "./envelope";
import { REQUESTED_WITH, Session } from "./session";
import type { paths } from "./schema";

/** Every path the client may call. */
export type ApiPaths = paths;
export type ApiClient = Client<ApiPaths>;

/** Endpoints that manage the session themselves: a 401 there is an answer, not an expiry. */
function isSessionEndpoint(url: string): boolean {
  return new URL(url, "http://localhost").pathname.startsWith("/api/v1/auth/");
}

function authorise(request: Request, token: string | null): Request {
  for (const [name, value] of Object.entries(REQUESTED_WITH)) request.headers.set(name, value);
  if (token) request.headers.set("Authorization", `Bearer ${token}`);
  else request.headers.delete("Authorization");
  return request;
}

/** The middleware that authenticates requests and renews expired sessions. */
export function sessionMiddleware(session: Session): Middleware {
  // Untouched copies of requests in flight, so a retry can send the body again.
  const originals = new Map<string, Request>();
  return {
    onRequest({ request, id }) {
      const authorised = authorise(request, session.accessToken());
      originals.set(id, authorised.clone());
      return authorised;
    },
    async onResponse({ request, response, id, options }) {
      const original = originals.get(id);
      originals.delete(id);
      if (response.status !== 401 || !original || isSessionEndpoint(request.url)) return response;
      const code = await peekCode(response);
      if (code !== Codes.missingCredentials && code !== Codes.invalidToken) return response;
      const sent = request.headers.get("Authorization")?.replace(/^Bearer /, "") ?? null;
      const renewed = await session.renewAfterRejection(sent);
      if (!renewed) return response;
      // Called unbound: the browser's fetch refuses `this` being anything but the window.
      const send = options.fetch;
      return send(authorise(original, session.accessToken()));
    },
    onError({ id }) {
      originals.delete(id);
    },
  };
}

export function createApiClient(session: Session, options: { fetch?: typeof fetch; baseUrl?: string } = {}): ApiClient {
  const client = createClient<ApiPaths>({
    baseUrl: options.baseUrl ?? "",
    credentials: "same-origin",
    headers: { Accept: "application/json" },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(sessionMiddleware(session));
  return client;
}

/** The app's one session. */
export const session = new Session();
/** The app's one API client. */
export const api = createApiClient(session);
