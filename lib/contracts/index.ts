/** The typed contracts between subgraphs and the gateway: events, internal hold API, live messages. */
export * from "./events";
export * from "./holds";
export * from "./live";
