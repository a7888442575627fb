import http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { createFanout, SLICE_MS, textFrame, type FanoutMode } from "./fanout";

const turn = () => new Promise((resolve) => setImmediate(resolve));
const settle = async () => {
  for (let i = 0; i < 50; i++) await turn();
};

/** A ws-like socket and the TCP socket under it, recording what is written to each. */
function fakeConnection(options: { writeCostMs?: number } = {}) {
  const written: Buffer[] = [];
  const sent: string[] = [];
  const closes: [number, string][] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    extensions: "",
    send: (message: string) => sent.push(message),
    close: (code: number, reason: string) => {
      closes.push([code, reason]);
      socket.readyState = 2;
    },
  };
  const raw = {
    writable: true,
    get writableLength() {
      return socket.bufferedAmount;
    },
    write(data: Buffer) {
      if (options.writeCostMs) for (const until = performance.now() + options.writeCostMs; performance.now() < until;);
      written.push(data);
      return true;
    },
  };
  return { socket: socket as unknown as WebSocket, fake: socket, raw: raw as unknown as Duplex, written, sent, closes };
}

/** The text of every frame in `data` (unmasked server frames, as textFrame builds them). */
function framesIn(data: Buffer): string[] {
  const texts: string[] = [];
  for (let offset = 0; offset < data.length;) {
    expect(data[offset]).toBe(0x81);
    let length = data[offset + 1];
    let start = offset + 2;
    if (length === 126) {
      length = data.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      length = data.readUInt32BE(start + 4);
      start += 8;
    }
    texts.push(data.toString("utf8", start, start + length));
    offset = start + length;
  }
  return texts;
}

const fanoutOf = (mode: FanoutMode = "batched", maxBufferedBytes = 1024 * 1024) => {
  const slow: [WebSocket, number][] = [];
  const fanout = createFanout({ mode, maxBufferedBytes, onSlow: (socket, buffered) => slow.push([socket, buffered]) });
  return { fanout, slow };
};

describe("the WebSocket fan-out", () => {
  it("frames text with the 2-, 4- and 10-byte headers of RFC 6455", () => {
    for (const length of [0, 125, 126, 65_535, 65_536, 70_000]) {
      const text = "é".repeat(Math.floor(length / 2)) + "x".repeat(length % 2);
      expect(Buffer.byteLength(text)).toBe(length);
      const frame = textFrame(text);
      expect(frame.length).toBe(length + (length < 126 ? 2 : length < 65_536 ? 4 : 10));
      expect(framesIn(frame)).toEqual([text]);
    }
  });

  it("writes nothing inside the caller's loop, then each connection's messages in order, several in one write", async () => {
    const { fanout } = fanoutOf();
    const a = fakeConnection();
    const b = fakeConnection();
    const outA = fanout.connect(a.socket, a.raw);
    const outB = fanout.connect(b.socket, b.raw);
    const nextA = outA.subscription("1");
    const nextB = outB.subscription("sub-é");
    outA.send(`{"type":"connection_ack"}`);
    nextA(`{"data":{"n":1}}`);
    nextB(`{"data":{"n":1}}`);
    nextA(`{"data":{"n":2}}`);
    expect(a.written).toEqual([]);
    await settle();
    expect(a.written).toHaveLength(1);
    expect(framesIn(a.written[0])).toEqual([
      `{"type":"connection_ack"}`,
      `{"id":"1","type":"next","payload":{"data":{"n":1}}}`,
      `{"id":"1","type":"next","payload":{"data":{"n":2}}}`,
    ]);
    expect(framesIn(Buffer.concat(b.written))).toEqual([`{"id":"sub-é","type":"next","payload":{"data":{"n":1}}}`]);
    nextA(`{"data":{"n":3}}`);
    await settle();
    expect(framesIn(a.written[1])).toEqual([`{"id":"1","type":"next","payload":{"data":{"n":3}}}`]);
  });

  it("frames a payload once for subscribers with the same id, and apart for another id", async () => {
    const { fanout } = fanoutOf();
    const connections = Array.from({ length: 3 }, () => fakeConnection());
    const nexts = connections.map((c, i) => fanout.connect(c.socket, c.raw).subscription(i === 2 ? "2" : "1"));
    const json = `{"data":{"available":7}}`;
    for (const next of nexts) next(json);
    await settle();
    const [first, second, third] = connections.map((c) => c.written[0]);
    expect(second).toBe(first); // the same Buffer
    expect(third).not.toBe(first);
    expect(framesIn(third)).toEqual([`{"id":"2","type":"next","payload":${json}}`]);
  });

  it(`yields to the event loop between slices of about ${SLICE_MS} ms`, async () => {
    const { fanout } = fanoutOf();
    const connections = Array.from({ length: 200 }, () => fakeConnection({ writeCostMs: 0.2 }));
    for (const c of connections) fanout.connect(c.socket, c.raw).send(`{"type":"pong"}`);
    const writtenAtTurns: number[] = [];
    for (let i = 0; i < 40 && writtenAtTurns.at(-1) !== 200; i++) {
      await turn();
      writtenAtTurns.push(connections.filter((c) => c.written.length).length);
    }
    // 200 writes of 0.2 ms do not all happen in one turn of the loop, and all happen, in order.
    expect(writtenAtTurns[0]).toBeGreaterThan(0);
    expect(writtenAtTurns[0]).toBeLessThan(200);
    expect(writtenAtTurns.at(-1)).toBe(200);
  });

  it("closes a reader whose unsent bytes pass the bound, drops its queue, and keeps serving the others", async () => {
    const { fanout, slow } = fanoutOf("batched", 1_000);
    const reader = fakeConnection();
    const stuck = fakeConnection();
    const outReader = fanout.connect(reader.socket, reader.raw);
    const outStuck = fanout.connect(stuck.socket, stuck.raw);
    stuck.fake.bufferedAmount = 1_001; // what the kernel did not take yet
    outStuck.send(`{"type":"pong"}`);
    outReader.send(`{"type":"pong"}`);
    expect(slow).toEqual([[stuck.socket, 1_001]]);
    await settle();
    expect(stuck.written).toEqual([]);
    expect(reader.written).toHaveLength(1);

    // Queued here and not written yet counts as well.
    const big = `{"data":"${"x".repeat(400)}"}`;
    const next = outReader.subscription("1");
    next(big);
    next(big);
    expect(slow).toHaveLength(1);
    next(big); // 2 × ~440 queued: over 1,000 once this one is added, refused at the next
    next(big);
    expect(slow.map(([socket]) => socket)).toEqual([stuck.socket, reader.socket]);
    await settle();
    expect(reader.written).toHaveLength(1);
  });

  it("drops what is queued for a connection that closed", async () => {
    const { fanout } = fanoutOf();
    const c = fakeConnection();
    const out = fanout.connect(c.socket, c.raw);
    out.send(`{"type":"pong"}`);
    out.closed();
    c.fake.readyState = 3;
    out.send(`{"type":"pong"}`);
    await settle();
    expect(c.written).toEqual([]);
  });

  it("inline: hands every message to ws at once, as before", () => {
    const { fanout, slow } = fanoutOf("inline", 1_000);
    const c = fakeConnection();
    const out = fanout.connect(c.socket, c.raw);
    out.subscription("7")(`{"data":{"n":1}}`);
    out.send(`{"type":"pong"}`);
    expect(c.sent).toEqual([`{"id":"7","type":"next","payload":{"data":{"n":1}}}`, `{"type":"pong"}`]);
    c.fake.bufferedAmount = 1_001;
    out.send(`{"type":"pong"}`);
    expect(slow).toHaveLength(1);
    expect(c.written).toEqual([]);
  });
});

describe("the WebSocket fan-out over real sockets", () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  async function server(maxBufferedBytes = 1024 * 1024) {
    const { fanout, slow } = fanoutOf("batched", maxBufferedBytes);
    const httpServer = http.createServer();
    const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false });
    const connections: { socket: WebSocket; out: ReturnType<typeof fanout.connect> }[] = [];
    const connected: ((c: (typeof connections)[number]) => void)[] = [];
    wss.on("connection", (socket, request) => {
      const connection = { socket, out: fanout.connect(socket, request.socket) };
      socket.on("close", () => connection.out.closed());
      connections.push(connection);
      connected.shift()?.(connection);
    });
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => new Promise((resolve) => httpServer.close(resolve)));
    cleanup.push(() => new Promise((resolve) => wss.close(resolve)));
    cleanup.push(() => connections.forEach((c) => c.socket.terminate()));
    const port = (httpServer.address() as net.AddressInfo).port;
    const next = () => new Promise<(typeof connections)[number]>((resolve) => connected.push(resolve));
    return { port, next, slow };
  }

  it("delivers every client its messages in order, next to ws's own pings", async () => {
    const s = await server();
    const clients = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const serverSide = s.next();
        const client = new WebSocket(`ws://127.0.0.1:${s.port}`);
        const received: string[] = [];
        let pongs = 0;
        client.on("message", (data) => received.push(data.toString()));
        client.on("ping", () => pongs++);
        await new Promise((resolve) => client.once("open", resolve));
        cleanup.push(() => client.terminate());
        return { client, received, pongs: () => pongs, server: await serverSide };
      }),
    );
    const nexts = clients.map((c, i) => c.server.out.subscription(`s${i % 3}`));
    for (let n = 1; n <= 50; n++) {
      nexts.forEach((next) => next(`{"data":{"n":${n}}}`));
      if (n % 10 === 0) clients.forEach((c) => c.server.socket.ping());
      if (n % 7 === 0) await turn();
    }
    await expect.poll(() => clients.every((c) => c.received.length === 50), { timeout: 5_000 }).toBe(true);
    clients.forEach((c, i) => {
      expect(c.received).toEqual(
        Array.from({ length: 50 }, (_, n) => `{"id":"s${i % 3}","type":"next","payload":{"data":{"n":${n + 1}}}}`),
      );
      expect(c.pongs()).toBe(5);
    });
  });

  it("reports a client that stops reading once the bound is passed (the transport closes it, 1013)", async () => {
    const s = await server(256 * 1024);
    const serverSide = s.next();
    // A raw client: it upgrades, then never reads again (the kernel's buffers fill first).
    const raw = net.connect(s.port, "127.0.0.1");
    cleanup.push(() => raw.destroy());
    raw.write(
      `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const { socket, out } = await serverSide;
    raw.pause();
    const next = out.subscription("1");
    const payload = `{"data":"${"x".repeat(64 * 1024)}"}`;
    for (let i = 0; i < 2_000 && s.slow.length === 0; i++) {
      next(payload);
      await turn();
    }
    expect(s.slow).toHaveLength(1);
    expect(s.slow[0][0]).toBe(socket);
    expect(s.slow[0][1]).toBeGreaterThan(256 * 1024);
    // What the fan-out holds for it stays under the bound plus one message.
    expect(socket.bufferedAmount).toBeLessThan(256 * 1024 + payload.length + 100);
  });
});
