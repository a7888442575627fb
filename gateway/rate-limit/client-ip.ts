import { BlockList, isIP } from "node:net";
import type { IncomingMessage } from "node:http";

/**
 * Which peers may tell us the client's address in `X-Forwarded-For`: addresses and CIDR ranges
 * (`10.0.0.0/8`, `::1`, `127.0.0.1/32`), plus the names `loopback` and `private` as shorthands.
 * Built on node:net's BlockList rather than the proxy-addr package: same matching (IPv4,
 * IPv6, IPv4-mapped IPv6), no dependency.
 */
export type TrustedProxies = (address: string) => boolean;

const NAMED: Record<string, string[]> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  private: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
};

/** Parses the entries (throws on a malformed one, so config can list it). */
export function trustedProxies(entries: string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries.flatMap((e) => NAMED[e] ?? [e])) {
    const [address, bits] = entry.split("/");
    const family = isIP(address);
    if (!family) throw new Error(`"${entry}" is not an IP address or CIDR range`);
    const type = family === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d+$/.test(bits) || prefix > (family === 6 ? 128 : 32))
      throw new Error(`"${entry}" has a bad prefix length`);
    list.addSubnet(address, prefix, type);
  }
  return (address) => {
    const plain = normalise(address);
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? "ipv6" : "ipv4");
  };
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is `1.2.3.4`. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address;
}

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy — then
 * `X-Forwarded-For` is read from the right, skipping trusted proxies, and the first address not
 * trusted is the client (what proxy-addr and Express's `trust proxy` do). Entries left of it
 * were written by the client and are never believed.
 */
export function clientIp(req: Pick<IncomingMessage, "headers" | "socket">, trusted: TrustedProxies): string {
  let address = normalise(req.socket.remoteAddress ?? "unknown");
  if (!trusted(address)) return address;
  const header = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((h) => normalise(h.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isIP(hops[i])) break; // garbage: stop at the last address we could check
    address = hops[i];
    if (!trusted(address)) break;
  }
  return address;
}

/**
 * What the per-address limits count: an IPv4 address, or the /64 network of an IPv6 address
 * (one host is normally given a whole /64 and could rotate through its addresses).
 */
export function limitSubject(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head, tail = ""] = address.toLowerCase().split("%")[0].split("::");
  const left = head ? head.split(":") : [];
  const right = address.includes("::") && tail ? tail.split(":") : [];
  const groups = address.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
