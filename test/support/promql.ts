import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The metric names a PromQL expression reads (alert rules, dashboard panels): every identifier
 * that is not a function or aggregation, a keyword, a label (in `{…}`, `by (…)`, `on (…)`…) or a
 * duration. Grafana variables (`$__rate_interval`, `${service}`) are dropped with the brackets
 * or matchers they sit in.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ") // strings
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ") // label lists
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\[[^\]]*\]/g, " ") // ranges and subqueries
    .replace(/\$\{[^}]*\}|\$\w+/g, " ") // Grafana variables elsewhere
    .replace(/\b\d[\w.]*(?:[eE][+-]?\d+)?\b/g, " "); // numbers and durations
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=(\s*\()?)/g)) {
    const isCall = match[1] !== undefined;
    if (isCall || KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan", "by", "without", "on", "ignoring"]);

/**
 * The metric a histogram or summary series belongs to (`x_bucket`, `x_count`, `x_sum` → `x`),
 * for looking a queried name up among the metrics a service declares.
 */
export const baseMetricName = (name: string) => name.replace(/_(bucket|count|sum)$/, "");

/** Series names present in a Prometheus text exposition (sample lines only, not HELP/TYPE). */
export function seriesNamesIn(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (match) names.add(match[1]);
  }
  return names;
}

/**
 * Every metric name the code declares (`new Counter({ name: "…" })` and the like, in lib/,
 * gateway/ and subgraphs/), so a rule or panel that queries a name nothing exports fails a test.
 */
export function declaredMetricNames(root: string): Set<string> {
  const names = new Set<string>();
  for (const dir of ["lib", "gateway", "subgraphs"]) {
    for (const file of readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
      const source = readFileSync(path.join(root, dir, file), "utf8");
      for (const match of source.matchAll(/new (?:Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*"([^"]+)"/g)) {
        names.add(match[1]);
      }
    }
  }
  return names;
}
