import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `lib/` is what every service shares; it must not know the services. The launcher (launcher/),
 * the gateway and the subgraphs import lib/, never the other way round.
 */
const LIB = path.resolve(__dirname);
const FORBIDDEN = ["gateway", "subgraphs", "launcher", "scripts", "bench", "test"].map((dir) =>
  path.resolve(LIB, "..", dir),
);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

/** Relative specifiers of static and dynamic imports and re-exports. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from|import|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)) found.push(match[1]);
  return found;
}

describe("lib/ import direction", () => {
  it("finds the sources it checks", () => {
    expect(sources(LIB).length).toBeGreaterThan(20);
  });

  it("no file in lib/ imports the gateway, the subgraphs, the launcher, scripts, benches or tests", () => {
    const offenders = sources(LIB).flatMap((file) =>
      importsOf(file)
        .map((spec) => path.resolve(path.dirname(file), spec))
        .filter((target) => FORBIDDEN.some((dir) => target === dir || target.startsWith(dir + path.sep)))
        .map((target) => `${path.relative(LIB, file)} → ${path.relative(path.dirname(LIB), target)}`),
    );
    expect(offenders).toEqual([]);
  });

  it("lib/ is grouped by concern: no source file at its top level", () => {
    const top = readdirSync(LIB, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
      .map((entry) => entry.name);
    expect(top).toEqual([]);
  });
});
