/** Runs the live connection while someone is signed in and shares its status. */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { api, session } from "@/api/client";
import { LiveConnection, type LiveStatus } from "./connection";
import { LiveCache } from "./events";

const LiveContext = createContext<LiveConnection | null>(null);

export function LiveProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const connection = useMemo(() => {
    const cache = new LiveCache(client);
    return new LiveConnection({
      api,
      session,
      onEvent: (event) => cache.push(event),
      onResync: () => void client.invalidateQueries(),
    });
  }, [client]);
  useEffect(() => {
    connection.start();
    return () => connection.stop();
  }, [connection]);
  return <LiveContext.Provider value={connection}>{children}</LiveContext.Provider>;
}

const stopped = () => "stopped" as LiveStatus;
const noop = () => () => {};

export function useLiveStatus(): LiveStatus {
  const connection = useContext(LiveContext);
  return useSyncExternalStore(connection?.subscribe ?? noop, connection?.getStatus ?? stopped);
}
