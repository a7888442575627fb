import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * Below the kernel's ephemeral range: a port the kernel handed out with `listen(0)` may be given
 * again to an outgoing connection (thousands a second to PostgreSQL, Redis and Kafka under
 * load) before the process the test starts binds it. Ports below that range are only ever
 * taken by an explicit bind.
 */
function candidateRange(): [number, number] {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (low > 12_000) return [10_000, low - 1];
  } catch {
    // not Linux: fall through
  }
  return [0, 0];
}
const RANGE = candidateRange();
const RESERVED = new Set([5432, 6379, 9092, 9093]);

function tryListen(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(null));
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

/** A loopback port that was free a moment ago (for processes the test starts itself). */
export async function freePort(): Promise<number> {
  const [low, high] = RANGE;
  if (high > low) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = low + Math.floor(Math.random() * (high - low + 1));
      if (RESERVED.has(port)) continue;
      const bound = await tryListen(port);
      if (bound !== null) return bound;
    }
  }
  const bound = await tryListen(0);
  if (bound === null) throw new Error("no free loopback port");
  return bound;
}
