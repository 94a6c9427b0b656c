/**
 * Endpoints of the API contract (DESIGN.md, "Scale helpers") that the OpenAPI document
 * does not describe yet, typed by hand in the generated shape so the client treats them
 * like the rest. Each entry goes away once `npm run gen:api` brings it in.
 */
import type { components } from "./schema";

type Envelope<T> = { code: 0; message: string; data: T; error: null };
type Ok<T> = { 200: { headers: Record<string, unknown>; content: { "application/json": Envelope<T> } } };
type Errors = {
  400: { headers: Record<string, unknown>; content: { "application/json": components["schemas"]["ErrorEnvelope"] } };
  401: { headers: Record<string, unknown>; content: { "application/json": components["schemas"]["ErrorEnvelope"] } };
};

export interface Counts {
  total: number;
  up: number;
  down: number;
  pending: number;
  paused: number;
  maintenance: number;
}

export interface Summary {
  services: Counts;
  domains: Counts;
  instances: Counts;
  groups: { kind: "service" | "domain" | "instance"; group: string | null; counts: Counts }[];
  open_incidents: number;
  firing_alerts: number;
}

export interface SparklineItem {
  monitor_id: string;
  /** Fraction 0..1 of passing checks over the window. */
  uptime: number | null;
  points: { at: string; response_ms: number | null; up: number | null }[];
}

export interface ContractPaths {
  "/api/v1/summary": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: Ok<Summary> & Errors;
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/sparklines": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: {
      parameters: {
        query: { ids: string; hours?: number; points?: number };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: Ok<{ items: SparklineItem[] }> & Errors;
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
