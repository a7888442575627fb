import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The raw message (headers and body). */
  raw: string;
  subject: string;
}

/**
 * A real SMTP server on loopback (nodemailer's smtp-server) that keeps what it receives.
 * `refuse` decides, per recipient, on an SMTP reply code to refuse with (e.g. 451, 550).
 */
export async function startSmtpSink() {
  const received: ReceivedMail[] = [];
  let refuse: (recipient: string) => number | null = () => null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = refuse(address.address);
      if (code) {
        const error = new Error(code >= 500 ? "Mailbox unavailable" : "Try again later") as Error & {
          responseCode: number;
        };
        error.responseCode = code;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: /^Subject: (.*)$/im.exec(raw)?.[1]?.trim() ?? "",
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    refuseWith(decide: (recipient: string) => number | null) {
      refuse = decide;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
