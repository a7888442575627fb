/**
 * The benches' WebSocket client: graphql-transport-ws over `node:net`, with just enough of RFC
 * 6455 for a bench (handshake, unfragmented server frames, masked client frames, pong). The `ws`
 * client cost ~20 µs of CPU per message received (its Receiver stream, events, a string per
 * message); this costs a few, so thousands of subscribers fit in one worker thread.
 */
import net from "node:net";
import { randomBytes } from "node:crypto";

/** A masked client frame (opcode 1 text, 10 pong). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : 4;
  const frame = Buffer.allocUnsafe(header + 4 + length);
  frame[0] = 0x80 | opcode;
  if (header === 2) frame[1] = 0x80 | length;
  else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, header);
  for (let i = 0; i < length; i++) frame[header + 4 + i] = payload[i] ^ mask[i & 3];
  return frame;
}

/** A graphql-transport-ws message as a text frame. */
export const text = (value: object) => clientFrame(1, Buffer.from(JSON.stringify(value)));

export interface RawWsHandlers {
  /** Sent in `connection_init` once the upgrade is answered. */
  connectionParams: object;
  /** The clock a frame's arrival is read with. */
  now(): number;
  /** A text frame: `data[start, end)`, arrived at `at`. */
  onText(data: Buffer, start: number, end: number, at: number): void;
  /** The server closed the connection (the socket is destroyed). */
  onClose(code: number, reason: string): void;
  /** The server refused the upgrade (the socket is destroyed). */
  onRefused(error: Error): void;
  onError(error: Error): void;
}

/** Opens a connection to the gateway on loopback `port` and runs the handshake; the caller speaks graphql-ws. */
export function openRawWs(port: number, handlers: RawWsHandlers): net.Socket {
  const socket = net.connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  let upgraded = false;
  let pending: Buffer | null = null;
  socket.on("connect", () =>
    socket.write(
      `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`,
    ),
  );
  socket.on("data", (chunk: Buffer) => {
    const at = handlers.now();
    let data = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    let offset = 0;
    if (!upgraded) {
      const end = data.indexOf("\r\n\r\n");
      if (end < 0) {
        pending = data;
        return;
      }
      if (!data.toString("latin1", 0, 12).startsWith("HTTP/1.1 101")) {
        handlers.onRefused(new Error(`upgrade refused: ${data.toString("latin1", 0, end)}`));
        socket.destroy();
        return;
      }
      upgraded = true;
      offset = end + 4;
      socket.write(text({ type: "connection_init", payload: handlers.connectionParams }));
    }
    while (offset + 2 <= data.length) {
      const opcode = data[offset] & 0x0f;
      let length = data[offset + 1] & 0x7f;
      let start = offset + 2;
      if (length === 126) {
        if (start + 2 > data.length) break;
        length = data.readUInt16BE(start);
        start += 2;
      } else if (length === 127) {
        if (start + 8 > data.length) break;
        length = data.readUInt32BE(start + 4);
        start += 8;
      }
      if (start + length > data.length) break;
      const end = start + length;
      if (opcode === 1) handlers.onText(data, start, end, at);
      else if (opcode === 9) socket.write(clientFrame(10, data.subarray(start, end)));
      else if (opcode === 8) {
        handlers.onClose(length >= 2 ? data.readUInt16BE(start) : 0, data.toString("utf8", start + 2, end));
        socket.destroy();
        return;
      }
      offset = end;
    }
    if (offset < data.length) pending = data.subarray(offset);
  });
  socket.on("error", (error) => handlers.onError(error));
  return socket;
}
