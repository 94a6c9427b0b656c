/**
 * The server answers every request with one envelope: `{code, message, data, error}`.
 * Success is code 0 and carries `data`; anything else becomes an {@link ApiError} whose
 * `fields` name the inputs that were wrong (`config.url`), so forms can show each reason
 * beside its input.
 */

/** The envelope as it comes over the wire. */
export interface Envelope<T> {
  code: number;
  message: string;
  data: T | null;
  error: Record<string, string> | null;
}

/** Reason codes the UI reacts to (HTTP status * 100 + a reason number). */
export const Codes = {
  validation: 40001,
  missingCredentials: 40101,
  invalidToken: 40102,
  forbidden: 40301,
  notFound: 40401,
  conflict: 40901,
  rateLimited: 42901,
  internal: 50001,
  unavailable: 50301,
  timedOut: 50401,
} as const;

/** An answer that was not a success, or a request that never got one. */
export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The envelope's five-digit code; 0 when there was no envelope. */
  readonly code: number;
  /** Reasons keyed by input field (`name`, `config.url`); `_` holds the rest. */
  readonly fields: Record<string, string>;
  /** The server's request id, for reports of 5xx answers. */
  readonly requestId: string | null;

  constructor(init: {
    status: number;
    code: number;
    message: string;
    fields?: Record<string, string>;
    requestId?: string | null;
  }) {
    super(init.message);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.fields = init.fields ?? {};
    this.requestId = init.requestId ?? null;
  }

  /** A sentence for a toast or a form's top line: the general reason when there is one. */
  get summary(): string {
    const general = this.fields["_"];
    if (general) return general;
    if (this.status >= 500 && this.requestId) return `${this.message} (request ${this.requestId})`;
    return this.message;
  }
}

function isEnvelope(body: unknown): body is Envelope<unknown> {
  return typeof body === "object" && body !== null && "code" in body && typeof (body as { code: unknown }).code === "number";
}

function stringFields(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null) return {};
  const out: Record<string, string> = {};
  for (const [key, reason] of Object.entries(value)) {
    if (typeof reason === "string") out[key] = reason;
    else if (reason !== null && reason !== undefined) out[key] = JSON.stringify(reason);
  }
  return out;
}

/** Builds the error for a response whose body is `body` (parsed JSON, text or nothing). */
export function errorFromResponse(response: Response, body: unknown): ApiError {
  const requestId = response.headers.get("x-request-id");
  if (isEnvelope(body)) {
    return new ApiError({
      status: response.status,
      code: body.code,
      message: body.message || response.statusText || "Request failed",
      fields: stringFields(body.error),
      requestId,
    });
  }
  return new ApiError({
    status: response.status,
    code: response.status * 100,
    message: response.statusText || `Request failed with status ${response.status}`,
    requestId,
  });
}

/** What openapi-fetch resolves to. */
export interface FetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** The `data` type inside a success envelope, from openapi-fetch's `data` type. */
export type DataOf<R> = R extends { data?: infer B } ? EnvelopeData<NonNullable<B>> : never;
/** Distributes over the success bodies, dropping any without an envelope. */
type EnvelopeData<B> = B extends { code: number; data: infer D } ? D : never;

/**
 * Waits for an openapi-fetch call and returns the envelope's `data`, or throws an
 * {@link ApiError}. A failure to reach the server at all is an ApiError with status 0.
 */
export async function unwrap<R extends FetchResult>(call: Promise<R>): Promise<DataOf<R>> {
  let result: R;
  try {
    result = await call;
  } catch (cause) {
    if (cause instanceof ApiError) throw cause;
    throw new ApiError({
      status: 0,
      code: 0,
      message: "Cannot reach the server. Check your connection and try again.",
    });
  }
  const { response } = result;
  if (response.ok) {
    const body = result.data;
    if (isEnvelope(body)) {
      if (body.code === 0) return body.data as DataOf<R>;
      throw errorFromResponse(response, body);
    }
    // 204 or an empty body: nothing to return.
    return undefined as unknown as DataOf<R>;
  }
  throw errorFromResponse(response, result.error);
}

/** Reads the envelope code of a response without consuming it. */
export async function peekCode(response: Response): Promise<number | null> {
  try {
    const body: unknown = await response.clone().json();
    return isEnvelope(body) ? body.code : null;
  } catch {
    return null;
  }
}
