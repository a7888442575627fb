"use client";

import { ApolloLink, HttpLink } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { ApolloClient, ApolloNextAppProvider, InMemoryCache } from "@apollo/client-integration-nextjs";
import { generatePersistedQueryIdsFromManifest } from "@apollo/persisted-query-lists";
import { createClient } from "graphql-ws";
import { useSyncExternalStore, type ReactNode } from "react";
import manifest from "../persisted-query-manifest.json";

type LiveState = "connecting" | "connected" | "reconnecting";
let liveState: LiveState = "connecting";
const liveListeners = new Set<() => void>();
function setLive(state: LiveState) {
  liveState = state;
  // The page says whether live updates are connected (and tests wait for it).
  document.documentElement.setAttribute("data-live", state === "connected" ? "connected" : "closed");
  for (const listener of liveListeners) listener();
}

/** Whether the WebSocket for live updates is connected (a subscription may have nothing to push yet). */
export function useLiveState(): LiveState {
  return useSyncExternalStore(
    (listener) => {
      liveListeners.add(listener);
      return () => liveListeners.delete(listener);
    },
    () => liveState,
    () => "connecting",
  );
}

/**
 * One Apollo Client per browser tab (and one per request while rendering on the server), for the
 * gateway URL and the user's token the server passed down. Queries and mutations go over HTTP;
 * subscriptions over the gateway's WebSocket (graphql-ws), in the browser only.
 */
function makeClient(url: string, token: string | null) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  // Queries and mutations are sent by id from the app's persisted-query manifest (`npm run
  // manifest`), which is also the gateway's trusted-documents list (TRUSTED_DOCUMENTS): a gateway
  // that runs only listed operations serves this app. A gateway without the list asks for the text
  // once (automatic persisted queries).
  const persisted = new PersistedQueryLink(
    generatePersistedQueryIdsFromManifest({ loadManifest: () => Promise.resolve(manifest) }),
  );
  const http = ApolloLink.from([persisted, new HttpLink({ uri: url, headers })]);
  const cache = new InMemoryCache();
  if (typeof window === "undefined") return new ApolloClient({ cache, link: http });
  const ws = new GraphQLWsLink(
    createClient({
      url: url.replace(/^http/, "ws"),
      connectionParams: headers,
      lazy: true,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      // A lazy client also closes when the last subscription ends (leaving a page): only a retry
      // means live updates were lost.
      on: {
        connecting: (isRetry) => setLive(isRetry ? "reconnecting" : "connecting"),
        connected: () => setLive("connected"),
        closed: () => setLive(liveState === "connected" ? "connecting" : liveState),
      },
    }),
  );
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    ws,
    http,
  );
  return new ApolloClient({ cache, link });
}

export function ApolloWrapper({ url, token, children }: { url: string; token: string | null; children: ReactNode }) {
  return <ApolloNextAppProvider makeClient={() => makeClient(url, token)}>{children}</ApolloNextAppProvider>;
}
