import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, maskText, withLogFields } from "./logger";

const capture = () => {
  const lines: Record<string, any>[] = [];
  return { logger: createLogger("info", { service: "test" }, (line) => lines.push(JSON.parse(line))), lines };
};

describe("logger", () => {
  it("logs the whole cause chain with the PostgreSQL code and message, without query parameters", () => {
    const { logger, lines } = capture();
    const pgError = Object.assign(new Error('duplicate key value violates unique constraint "x"'), {
      code: "23505",
      constraint: "x",
    });
    const wrapped = Object.assign(new Error("Failed query: insert into t values ($1)"), {
      params: ["guest@example.com"],
      cause: pgError,
    });
    logger.error("request failed", { error: wrapped });
    const [line] = lines;
    expect(line).toMatchObject({ level: "error", service: "test", msg: "request failed" });
    expect(line.error.message).toContain("Failed query");
    expect(line.error.cause).toMatchObject({
      code: "23505",
      constraint: "x",
      message: expect.stringContaining("duplicate key"),
    });
    expect(JSON.stringify(line)).not.toContain("guest@example.com");
  });

  it("redacts tokens, secrets and e-mail addresses", () => {
    const { logger, lines } = capture();
    logger
      .child({ requestId: "r1" })
      .info("hello", { authorization: "Bearer abc", email: "a@b.c", nested: { token: "t" } });
    expect(lines[0]).toMatchObject({ requestId: "r1", authorization: "[redacted]", email: "[redacted]" });
    expect(lines[0].nested.token).toBe("[redacted]");
  });

  it("writes the stack of a repeated error once, not once per occurrence", () => {
    const { logger, lines } = capture();
    for (let i = 0; i < 50; i++) logger.error("unexpected error", { error: new Error("same failure") });
    const withStack = lines.filter((line) => line.error.stack);
    expect(withStack).toHaveLength(1);
    expect(lines.filter((line) => line.error.stackSuppressed)).toHaveLength(49);
  });

  it("writes nothing below its level", () => {
    const lines: string[] = [];
    const logger = createLogger("warn", {}, (line) => lines.push(line));
    logger.info("quiet");
    logger.warn("loud");
    expect(lines).toHaveLength(1);
  });

  it("masks e-mail addresses, JWTs, bearer tokens and URL passwords at any depth, in messages and errors", () => {
    const { logger, lines } = capture();
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEiLCJlbWFpbCI6ImdAZS5jb20ifQ.c2lnbmF0dXJlX3NpZ25hdHVyZQ";
    const smtp = new Error("SMTP 550: <guest.name+tag@example.com> rejected", {
      cause: Object.assign(new Error(`token ${jwt} expired`), { detail: "Key (email)=(x@y.org) exists" }),
    });
    logger.child({ user: "u-1@corp.example" }).warn(`refused Bearer ${"s".repeat(40)} for a@b.io`, {
      headers: { Authorization: "Bearer abc", "X-Service-Secret": "0123abcd", "content-type": "application/json" },
      config: { JWT_SECRET: "j".repeat(64), METRICS_TOKEN: "m".repeat(48), PAYMENT_WEBHOOK_SECRET: "w", port: 4000 },
      deep: {
        a: {
          b: { c: { d: { note: "write to zoe@example.net", cardNumber: "4242", paymentMethodToken: "tok_visa" } } },
        },
      },
      database: new URL("postgres://app:hunter2@db.internal:5432/booking"),
      maxTokens: 1000,
      error: smtp,
      errors: [smtp],
    });
    const text = JSON.stringify(lines[0]);
    for (const leak of [
      "@example",
      "a@b.io",
      "x@y.org",
      "u-1@corp",
      "eyJ",
      "sss",
      "abc",
      "0123abcd",
      "jjj",
      "mmm",
      "4242",
      "tok_visa",
      "hunter2",
    ])
      expect(text).not.toContain(leak);
    expect(lines[0]).toMatchObject({
      msg: "refused Bearer [redacted] for [redacted]",
      headers: { Authorization: "[redacted]", "X-Service-Secret": "[redacted]", "content-type": "application/json" },
      config: { JWT_SECRET: "[redacted]", port: 4000 },
      database: "postgres://app:[redacted]@db.internal:5432/booking",
      maxTokens: 1000,
      error: { message: "SMTP 550: <[redacted]> rejected", cause: { detail: "Key (email)=([redacted]) exists" } },
    });
  });

  it("drops the parameters drizzle puts in a failed query's message and stack", () => {
    const { logger, lines } = capture();
    const failed = Object.assign(new Error("Failed query: insert into t values ($1, $2)\nparams: Zoe,secret-value"), {
      params: ["Zoe", "secret-value"],
    });
    logger.error("request failed", { error: failed });
    expect(lines[0].error.message).toBe("Failed query: insert into t values ($1, $2)");
    expect(lines[0].error.stack).toMatch(/^Error: Failed query: insert into t values \(\$1, \$2\)\n {4}at /);
    expect(JSON.stringify(lines[0])).not.toMatch(/Zoe|secret-value/);
  });

  it("masks text in linear time and leaves ordinary text alone", () => {
    for (const text of ["user@localhost", "pkg@1.2.3", "node_modules/@apollo/server", "Booking ABC123 is confirmed"])
      expect(maskText(text)).toBe(text);
    expect(maskText("a.b+c@d-e.example.co.uk, x@y.io")).toBe("[redacted], [redacted]");
    const long = `${"a".repeat(200_000)}@${"b".repeat(200_000)}`;
    const started = performance.now();
    expect(maskText(long)).toBe(long);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("adds the request scope's fields, once, to the lines written inside it", () => {
    const { logger, lines } = capture();
    withLogFields({ requestId: "req-1" }, () => {
      logger.info("inside");
      logger.child({ requestId: "req-1" }).info("bound too");
    });
    logger.info("outside");
    expect(lines[0].requestId).toBe("req-1");
    expect(JSON.stringify(lines[1]).match(/"requestId"/g)).toHaveLength(1);
    expect(lines[2]).not.toHaveProperty("requestId");
  });

  describe("with an active OpenTelemetry span", () => {
    const manager = new AsyncLocalStorageContextManager();
    beforeAll(() => {
      context.setGlobalContextManager(manager.enable());
    });
    afterAll(() => {
      manager.disable();
      context.disable();
    });
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const spanId = "b7ad6b7169203331";

    it("writes its trace_id and span_id", async () => {
      const { logger, lines } = capture();
      const ctx = trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: 1 });
      await context.with(ctx, async () => {
        logger.info("in a span");
        await new Promise((resolve) => setTimeout(resolve, 1));
        logger.child({ requestId: "r1" }).warn("later in the same span");
      });
      expect(lines[0]).toMatchObject({ trace_id: traceId, span_id: spanId, msg: "in a span" });
      expect(lines[1]).toMatchObject({ trace_id: traceId, span_id: spanId, requestId: "r1" });
    });

    it("writes no ids outside a span, or for an invalid span context", () => {
      const { logger, lines } = capture();
      logger.info("no span");
      const invalid = trace.setSpanContext(context.active(), {
        traceId: "00000000000000000000000000000000",
        spanId: "0000000000000000",
        traceFlags: 0,
      });
      context.with(invalid, () => logger.info("invalid span"));
      for (const line of lines) {
        expect(line).not.toHaveProperty("trace_id");
        expect(line).not.toHaveProperty("span_id");
      }
      expect(lines).toHaveLength(2);
    });
  });
});
