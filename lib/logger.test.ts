import { describe, expect, it } from "vitest";
import { createLogger } from "./logger";

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
});
