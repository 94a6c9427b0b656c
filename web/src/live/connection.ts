/**
 * The live connection: a single-use ticket from `POST /ws/ticket`, then the WebSocket at
 * `/api/v1/ws?ticket=`. It reconnects with exponential backoff and jitter (asking for a
 * new ticket every time), reports whether it is connected so the UI can say when live
 * updates are lost, and ends the session when the server closes with 4401 (credentials
 * revoked).
 */
import { unwrap } from "@/api/envelope";
import type { ApiClient } from "@/api/client";
import type { Session } from "@/api/session";
import { parseEvent, type LiveEvent } from "./events";

/** Close code the server sends when the caller's credentials stop being valid. */
export const CLOSE_REVOKED = 4401;

export type LiveStatus = "connecting" | "open" | "reconnecting" | "stopped";

/** Delay before reconnect attempt `attempt` (0-based): 1 s doubling to 30 s, ±20 %. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random()));
}

export interface LiveOptions {
  api: ApiClient;
  session: Session;
  onEvent: (event: LiveEvent) => void;
  /** Called after a reconnect: events were missed while disconnected. */
  onResync: () => void;
  socketUrl?: (ticket: string) => string;
  WebSocketImpl?: typeof WebSocket;
}

function defaultSocketUrl(ticket: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/ws?ticket=${encodeURIComponent(ticket)}`;
}

export class LiveConnection {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private status: LiveStatus = "stopped";
  private listeners = new Set<() => void>();

  constructor(private readonly options: LiveOptions) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getStatus = (): LiveStatus => this.status;

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.setStatus("connecting");
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, "signed out");
    }
    this.setStatus("stopped");
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let ticket: string;
    try {
      const data = await unwrap(this.options.api.POST("/api/v1/ws/ticket"));
      ticket = data.ticket;
    } catch {
      this.retry();
      return;
    }
    if (this.stopped) return;
    const Impl = this.options.WebSocketImpl ?? WebSocket;
    const socket = new Impl((this.options.socketUrl ?? defaultSocketUrl)(ticket));
    this.socket = socket;
    socket.onopen = () => {
      // Anything that happened while not connected was missed: on a reconnection, and on
      // the first connection too, since the page's data may have been read before it.
      this.attempt = 0;
      this.setStatus("open");
      this.options.onResync();
    };
    socket.onmessage = (message: MessageEvent) => {
      if (typeof message.data !== "string") return;
      const event = parseEvent(message.data);
      if (event) this.options.onEvent(event);
    };
    socket.onclose = (close: CloseEvent) => {
      this.socket = null;
      if (close.code === CLOSE_REVOKED) {
        this.stop();
        this.options.session.end("revoked");
        return;
      }
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    this.setStatus("reconnecting");
    const delay = backoffMs(this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }

  private setStatus(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    for (const listener of this.listeners) listener();
  }
}
