import { port, StartupError } from "./config";

/**
 * The registry of the platform's processes: their names, default ports, the variables that move
 * them, and the URLs other services derive from those ports. The gateway's configuration, the
 * subgraphs' configuration and the launchers read it from here; nothing else spells a port.
 */
export const SUBGRAPHS = ["booking", "inventory", "payment", "notification"] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

export const SERVICES = {
  gateway: { defaultPort: 4000, portVariable: "GATEWAY_PORT" },
  booking: { defaultPort: 4001, portVariable: "BOOKING_PORT", urlVariable: "BOOKING_URL" },
  inventory: { defaultPort: 4002, portVariable: "INVENTORY_PORT", urlVariable: "INVENTORY_URL" },
  payment: { defaultPort: 4003, portVariable: "PAYMENT_PORT", urlVariable: "PAYMENT_URL" },
  notification: { defaultPort: 4004, portVariable: "NOTIFICATION_PORT", urlVariable: "NOTIFICATION_URL" },
  /** The outbox relay's health and metrics server. */
  relay: { defaultPort: 4010, portVariable: "RELAY_PORT" },
} as const satisfies Record<string, { defaultPort: number; portVariable: string; urlVariable?: string }>;

export type ServiceName = keyof typeof SERVICES;
export type PortVariable = (typeof SERVICES)[ServiceName]["portVariable"];
export type SubgraphUrlVariable = (typeof SERVICES)[SubgraphName]["urlVariable"];

export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

/** Booking reaches inventory's internal operations here when it is not on this machine's INVENTORY_PORT. */
export const INVENTORY_INTERNAL_URL = "INVENTORY_INTERNAL_URL";

export const DEFAULT_PORTS = Object.fromEntries(SERVICE_NAMES.map((name) => [name, SERVICES[name].defaultPort])) as {
  [K in ServiceName]: (typeof SERVICES)[K]["defaultPort"];
};

export const portVariable = (name: ServiceName): PortVariable => SERVICES[name].portVariable;
export const subgraphUrlVariable = (name: SubgraphName): SubgraphUrlVariable => SERVICES[name].urlVariable;

/** The zod fields of every `*_PORT` variable, with its default (parsed by every process, so all agree). */
export const portsEnv = Object.fromEntries(
  SERVICE_NAMES.map((name) => [portVariable(name), port(DEFAULT_PORTS[name])]),
) as Record<PortVariable, ReturnType<typeof port>>;

export type Ports = Record<ServiceName, number>;

/** Each service's port from an environment parsed with `portsEnv`. */
export function portsFrom(parsed: Record<PortVariable, number>): Ports {
  return Object.fromEntries(SERVICE_NAMES.map((name) => [name, parsed[portVariable(name)]])) as Ports;
}

/**
 * The address other processes on this machine use for a service bound to `host`: a wildcard
 * bind (`0.0.0.0`, `::`) is reached on loopback.
 */
export function reachableHost(host: string): string {
  if (host === "" || host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** `http://<host>:<port>` of a service started on this machine with the given HOST. */
export const serviceUrl = (host: string, port: number) => `http://${reachableHost(host)}:${port}`;

/**
 * The GraphQL endpoint of each subgraph as the gateway calls it: `<NAME>_URL` when set, else
 * the subgraph's port (`<NAME>_PORT`) on this machine.
 */
export function subgraphUrls(
  parsed: Partial<Record<SubgraphUrlVariable, string>>,
  host: string,
  ports: Ports,
): Record<SubgraphName, string> {
  return Object.fromEntries(
    SUBGRAPHS.map((name) => [name, parsed[subgraphUrlVariable(name)] ?? `${serviceUrl(host, ports[name])}/graphql`]),
  ) as Record<SubgraphName, string>;
}

/** Where booking calls inventory's internal operations: INVENTORY_INTERNAL_URL, else INVENTORY_PORT here. */
export function inventoryInternalUrl(explicit: string | undefined, host: string, ports: Ports): string {
  return (explicit ?? serviceUrl(host, ports.inventory)).replace(/\/$/, "");
}

/** A listen that failed because the port is taken or not allowed (lib/http/server.ts throws it). */
export interface ListenError extends Error {
  code: "EADDRINUSE" | "EACCES";
  port: number;
  host: string;
}

export const isListenError = (error: unknown): error is ListenError =>
  error instanceof Error &&
  ((error as ListenError).code === "EADDRINUSE" || (error as ListenError).code === "EACCES") &&
  typeof (error as ListenError).port === "number";

/**
 * Runs `start` (which listens on the service's port) and turns a busy port into one line that
 * names the variable to change: `GATEWAY_PORT=4000 is in use; set GATEWAY_PORT to a free port`.
 */
export async function listening<T>(name: ServiceName, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (!isListenError(error)) throw error;
    const variable = portVariable(name);
    throw new StartupError(
      error.code === "EADDRINUSE"
        ? `${variable}=${error.port} is in use; set ${variable} to a free port`
        : `${variable}=${error.port} is not allowed for this user (ports below 1024 need privileges); set ${variable} to a free port`,
    );
  }
}
