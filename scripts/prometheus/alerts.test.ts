import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { baseMetricName, declaredMetricNames, metricNamesIn } from "../../test/support/promql";

const root = path.resolve(import.meta.dirname, "../..");
const text = readFileSync(path.join(root, "scripts/prometheus/alerts.yml"), "utf8");

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  severity?: string;
  summary?: string;
}

/**
 * The rules of alerts.yml. No YAML parser is installed, and the file keeps to one shape (one
 * `key: value` per line under `- alert:`), which this reads and checks.
 */
function rules(): Rule[] {
  const found: Rule[] = [];
  let current: Rule | null = null;
  for (const [index, line] of text.split("\n").entries()) {
    if (line.includes("\t")) throw new Error(`line ${index + 1}: tab in YAML`);
    const alert = /^ {6}- alert: (\S+)$/.exec(line);
    if (alert) {
      current = { alert: alert[1], expr: "" };
      found.push(current);
      continue;
    }
    if (!current) continue;
    const field = /^ {8}(expr|for): (.+)$/.exec(line);
    if (field) current[field[1] as "expr" | "for"] = field[2];
    const severity = /^ {8}labels: \{ severity: (\w+) \}$/.exec(line);
    if (severity) current.severity = severity[1];
    const summary = /^ {10}summary: "(.+)"$/.exec(line);
    if (summary) current.summary = summary[1];
  }
  return found;
}

describe("Prometheus alert rules (scripts/prometheus/alerts.yml)", () => {
  it("are all complete: an expression, a duration, a severity and a summary each, names unique", () => {
    const all = rules();
    expect(all.length).toBeGreaterThanOrEqual(15);
    expect(new Set(all.map((r) => r.alert)).size).toBe(all.length);
    for (const rule of all) {
      expect(rule.expr, rule.alert).toMatch(/\S/);
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(["critical", "warning"], rule.alert).toContain(rule.severity);
      expect(rule.summary, rule.alert).toBeTruthy();
      // Brackets balance: an expression cut short (a YAML line break) would not.
      for (const [open, close] of ["()", "{}", "[]"]) {
        expect(rule.expr.split(open).length, `${rule.alert}: ${open}${close}`).toBe(rule.expr.split(close).length);
      }
    }
  });

  it("include seed 003 §8.3: error rate, p99 latency, service down, Kafka lag", () => {
    const byName = new Map(rules().map((r) => [r.alert, r]));
    expect(byName.get("HighErrorRate")).toMatchObject({ severity: "critical" });
    expect(byName.get("HighErrorRate")!.expr).toMatch(
      /rate\(http_requests_total\{status_code=~"5\.\."\}\[5m\]\).*\/.*rate\(http_requests_total\[5m\]\).*> 0\.01$/,
    );
    expect(byName.get("HighGraphQLErrorRate")).toMatchObject({ severity: "critical" });
    expect(byName.get("HighLatency")).toMatchObject({ severity: "warning", for: "5m" });
    expect(byName.get("HighLatency")!.expr).toMatch(
      /^histogram_quantile\(0\.99, .*http_request_duration_seconds_bucket\[5m\].*> 0\.5$/,
    );
    expect(byName.get("HighOperationLatency")!.expr).toMatch(/graphql_operation_duration_seconds_bucket.*> 0\.5$/);
    // Three failed scrapes at the 15 s interval of deploy/prometheus/prometheus.yml.
    expect(byName.get("ServiceDown")).toMatchObject({ severity: "critical", for: "45s" });
    expect(byName.get("ServiceDown")!.expr).toBe('up{job=~"booking-.*"} == 0');
    const scrape = readFileSync(path.join(root, "deploy/prometheus/prometheus.yml"), "utf8");
    expect(scrape).toMatch(/scrape_interval: 15s/);
    for (const job of scrape.matchAll(/job_name: (\S+)/g)) expect(job[1]).toMatch(/^booking-/);
    expect(byName.get("KafkaConsumerLagHigh")).toMatchObject({ severity: "warning" });
    expect(byName.get("KafkaConsumerLagHigh")!.expr).toMatch(/kafka_consumer_lag\) > 10000$/);
    // The rules that were there before stay.
    for (const name of [
      "CancellationErrorRateHigh",
      "OutboxLagHigh",
      "RelayDown",
      "ConsumerLagHigh",
      "ConsumerStuck",
    ]) {
      expect(byName.has(name), name).toBe(true);
    }
  });

  it("only query metrics the services export", () => {
    const declared = declaredMetricNames(root);
    const queried = new Set(rules().flatMap((r) => metricNamesIn(r.expr)));
    expect(queried).toContain("kafka_consumer_lag");
    expect(queried).toContain("http_request_duration_seconds_bucket");
    // `up` is Prometheus's own, one per scrape target.
    const missing = [...queried].filter((name) => name !== "up" && !declared.has(baseMetricName(name)));
    expect(missing).toEqual([]);
  });

  it("reads metric names out of PromQL", () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{route!="/metrics",service=~"$service"}[$__rate_interval]))) > 0.5',
      ),
    ).toEqual(["http_request_duration_seconds_bucket"]);
    expect(
      metricNamesIn(
        "max by (consumer) (booking_consumer_lag_messages) > 0 and sum by (consumer) (rate(booking_consumer_events_total[5m])) / clamp_min(sum(rate(x_total offset 1h)), 1e-9) == 0",
      ),
    ).toEqual(["booking_consumer_lag_messages", "booking_consumer_events_total", "x_total"]);
    expect(metricNamesIn("sum without (instance) (up) or on (job) vector(0)")).toEqual(["up"]);
  });
});
