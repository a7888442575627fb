import { describe, expect, it } from "vitest";
import { clientIp, limitSubject, trustedProxies } from "./client-ip";

const request = (peer: string, forwarded?: string) => ({
  socket: { remoteAddress: peer } as never,
  headers: forwarded === undefined ? {} : { "x-forwarded-for": forwarded },
});

describe("client IP", () => {
  it("is the socket peer when no proxy is trusted, whatever X-Forwarded-For says", () => {
    const none = trustedProxies([]);
    expect(clientIp(request("203.0.113.9", "1.2.3.4"), none)).toBe("203.0.113.9");
    expect(clientIp(request("::ffff:203.0.113.9"), none)).toBe("203.0.113.9");
  });

  it("is read from X-Forwarded-For behind a trusted proxy, right to left, skipping trusted hops", () => {
    const trusted = trustedProxies(["10.0.0.0/8", "127.0.0.1"]);
    expect(clientIp(request("10.1.2.3", "198.51.100.7"), trusted)).toBe("198.51.100.7");
    // The client wrote "6.6.6.6" itself; the proxies appended the real chain.
    expect(clientIp(request("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.9.9.9"), trusted)).toBe("198.51.100.7");
    expect(clientIp(request("::ffff:10.0.0.1", "198.51.100.7"), trusted)).toBe("198.51.100.7");
    // Only proxies in the header: the leftmost is the best we know.
    expect(clientIp(request("10.1.2.3", "10.0.0.5"), trusted)).toBe("10.0.0.5");
    // No header: the proxy itself.
    expect(clientIp(request("10.1.2.3"), trusted)).toBe("10.1.2.3");
    // Garbage stops the walk at the last checked address.
    expect(clientIp(request("10.1.2.3", "198.51.100.7, not-an-ip"), trusted)).toBe("10.1.2.3");
  });

  it("knows IPv6 ranges and the named sets", () => {
    const trusted = trustedProxies(["loopback", "2001:db8::/32"]);
    expect(clientIp(request("::1", "2001:db8::5, 198.51.100.7"), trusted)).toBe("198.51.100.7");
    expect(clientIp(request("2001:db9::1", "198.51.100.7"), trusted)).toBe("2001:db9::1");
  });

  it("refuses malformed entries", () => {
    expect(() => trustedProxies(["10.0.0.0/33"])).toThrow(/prefix/);
    expect(() => trustedProxies(["proxy.internal"])).toThrow(/not an IP/);
  });
});

describe("limitSubject", () => {
  it("counts an IPv6 host by its /64 and an IPv4 address by itself", () => {
    expect(limitSubject("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(limitSubject("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(limitSubject("2001:0db8:0001:0002::")).toBe("2001:db8:1:2::/64");
    expect(limitSubject("2001:db8::9")).toBe("2001:db8:0:0::/64");
    expect(limitSubject("::1")).toBe("0:0:0:0::/64");
    expect(limitSubject("203.0.113.7")).toBe("203.0.113.7");
  });
});
