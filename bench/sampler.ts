/**
 * What one benchmark phase cost each process of the platform: CPU time from `/proc/<pid>/stat`
 * (utime + stime) and SQL statements from the process's `db_client_statements_total`, read
 * before and after the phase, divided by the phase's operations. The load generator's own CPU
 * (process.cpuUsage) is reported beside them, since it shares the machine.
 *
 * The "after" sample is taken `settleMs` after the load ends, so the work the phase caused
 * asynchronously (outbox relay, Kafka consumers) is counted with it; whatever still runs after
 * that is reported as `late`. Before each phase the sampler waits until the platform is quiet,
 * so one phase's tail does not land in the next one.
 */
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { printTable } from "./support";

/** A process of the platform under test, and where its metrics are served. */
export interface SampledProcess {
  name: string;
  pid: number;
  metricsUrl: string;
  metricsHeaders?: Record<string, string>;
}

let clockTicksPerSecond: number | undefined;
function clockTicks(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execSync("getconf CLK_TCK", { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicksPerSecond = 100;
    }
  }
  return clockTicksPerSecond;
}

/** CPU time (user + system) the process has used so far, in ms; null off Linux or once it has exited. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

/** The process's `db_client_statements_total`, or null when its metrics cannot be read. */
export async function sqlStatementsOf(p: SampledProcess): Promise<number | null> {
  try {
    const response = await fetch(p.metricsUrl, { headers: p.metricsHeaders, signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return null;
    const match = /^db_client_statements_total(?:\{[^}]*\})?\s+(\S+)/m.exec(await response.text());
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

const clientCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export interface Snapshot {
  at: number;
  clientCpuMs: number;
  processes: { name: string; cpuMs: number | null; statements: number | null }[];
}

/**
 * `cpuFirst`: CPU is read before the metrics (an "after" sample, so rendering the metrics is not
 * counted); otherwise after them (a "before" sample, same reason).
 */
export async function snapshot(processes: SampledProcess[], cpuFirst: boolean): Promise<Snapshot> {
  const cpu = () => processes.map((p) => processCpuMs(p.pid));
  const early = cpuFirst ? cpu() : null;
  const statements = await Promise.all(processes.map(sqlStatementsOf));
  const cpuMs = early ?? cpu();
  return {
    at: performance.now(),
    clientCpuMs: clientCpuMs(),
    processes: processes.map((p, i) => ({ name: p.name, cpuMs: cpuMs[i], statements: statements[i] })),
  };
}

export interface ProcessCost {
  process: string;
  cpuMs: number | null;
  statements: number | null;
  cpuMsPerOp: number | null;
  statementsPerOp: number | null;
}

export interface PhaseCost {
  /** What one operation is (a successful hold, a rejection, a cancellation, a request). */
  operation: string;
  operations: number;
  loadSeconds: number;
  settleSeconds: number;
  /** From the "before" to the "after" sample (load + settle + sampling). */
  windowSeconds: number;
  /** One row per platform process. */
  processes: ProcessCost[];
  /** Every platform process together (not the load generator). */
  total: ProcessCost;
  /** The load generator (this process), for its share of the machine. */
  client: { cpuMs: number; cpuMsPerOp: number | null };
  /**
   * CPU and statements after the settle window, until the platform was quiet again (not counted
   * above); `excess*`: beyond the idle background for that long (when the idle rates are known).
   */
  late: {
    cpuMs: number | null;
    statements: number | null;
    seconds: number;
    excessCpuMs: number | null;
    excessStatements: number | null;
    quiet: boolean;
  };
}

/** Background load of each process with no benchmark traffic: CPU ms and statements per second. */
export interface IdleRates {
  seconds: number;
  processes: { process: string; cpuMsPerSecond: number | null; statementsPerSecond: number | null }[];
}

const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
const perOp = (value: number | null, operations: number) =>
  value === null || operations <= 0 ? null : value / operations;
const sum = (values: (number | null)[]) =>
  values.some((v) => v === null) ? null : values.reduce((s, v) => s! + v!, 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function totals(before: Snapshot, after: Snapshot) {
  return before.processes.map((p, i) => ({
    process: p.name,
    cpuMs: delta(p.cpuMs, after.processes[i].cpuMs),
    statements: delta(p.statements, after.processes[i].statements),
  }));
}

export interface Sampler {
  processes: SampledProcess[];
  settleMs: number;
  /** Waits (up to `timeoutMs`) until the platform's processes are about idle (CPU and SQL statements). */
  waitQuiet(timeoutMs?: number): Promise<{ quiet: boolean; seconds: number }>;
  /** Samples `ms` of no traffic. */
  idle(ms?: number): Promise<IdleRates>;
  /** Runs a phase between two samples; `operations(result)` is what the costs are divided by. */
  measure<T>(
    operation: string,
    run: () => Promise<T>,
    operations: (result: T) => number,
  ): Promise<{ result: T; cost: PhaseCost }>;
}

export function createSampler(processes: SampledProcess[], options: { settleMs: number }): Sampler {
  let idleRates: IdleRates | null = null;
  const sampler: Sampler = {
    processes,
    settleMs: options.settleMs,
    async waitQuiet(timeoutMs = 30_000) {
      const started = performance.now();
      const windowMs = 500;
      let quietWindows = 0;
      let previous = await snapshot(processes, false);
      for (;;) {
        await sleep(windowMs);
        const next = await snapshot(processes, true);
        const window = totals(previous, next);
        const windowSeconds = (next.at - previous.at) / 1000;
        previous = next;
        const cpuMs = sum(window.map((r) => r.cpuMs));
        const statements = sum(window.map((r) => r.statements));
        // Quiet: under 5 % of a core per process (idle ones use 1–2 % on timers, polls and
        // heartbeats) and few statements (sweepers and the relay's polls: twice the idle rate once
        // it is known), for two windows in a row (consumers work in batches).
        const idleStatements = idleRates ? sum(idleRates.processes.map((r) => r.statementsPerSecond)) : null;
        const statementsPerSecond = idleStatements !== null ? 2 * idleStatements + 5 : 15 + 2 * processes.length;
        const quiet =
          (cpuMs === null || cpuMs < windowSeconds * 1000 * 0.05 * processes.length) &&
          (statements === null || statements <= windowSeconds * statementsPerSecond);
        quietWindows = quiet ? quietWindows + 1 : 0;
        const seconds = (performance.now() - started) / 1000;
        if (quietWindows >= 2) return { quiet: true, seconds };
        if (seconds * 1000 > timeoutMs) return { quiet: false, seconds };
      }
    },
    async idle(ms = 2_000) {
      await sampler.waitQuiet();
      const before = await snapshot(processes, false);
      await sleep(ms);
      const after = await snapshot(processes, true);
      const seconds = (after.at - before.at) / 1000;
      return (idleRates = {
        seconds,
        processes: totals(before, after).map((t) => ({
          process: t.process,
          cpuMsPerSecond: t.cpuMs === null ? null : t.cpuMs / seconds,
          statementsPerSecond: t.statements === null ? null : t.statements / seconds,
        })),
      });
    },
    async measure(operation, run, countOperations) {
      await sampler.waitQuiet();
      const before = await snapshot(processes, false);
      const loadStarted = performance.now();
      const result = await run();
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      await sleep(options.settleMs);
      const after = await snapshot(processes, true);
      const quiet = await sampler.waitQuiet();
      const tail = await snapshot(processes, true);
      const operations = countOperations(result);
      const rows = totals(before, after).map((t) => ({
        ...t,
        cpuMsPerOp: perOp(t.cpuMs, operations),
        statementsPerOp: perOp(t.statements, operations),
      }));
      const cpuMs = sum(rows.map((r) => r.cpuMs));
      const statements = sum(rows.map((r) => r.statements));
      const late = totals(after, tail);
      const lateCpuMs = sum(late.map((r) => r.cpuMs));
      const lateStatements = sum(late.map((r) => r.statements));
      const lateSeconds = (tail.at - after.at) / 1000;
      const idleTotal = (key: "cpuMsPerSecond" | "statementsPerSecond") =>
        idleRates ? sum(idleRates.processes.map((r) => r[key])) : 0;
      const excess = (value: number | null, rate: number | null) =>
        value === null || rate === null ? null : Math.max(0, value - rate * lateSeconds);
      const client = after.clientCpuMs - before.clientCpuMs;
      return {
        result,
        cost: {
          operation,
          operations,
          loadSeconds,
          settleSeconds: options.settleMs / 1000,
          windowSeconds: (after.at - before.at) / 1000,
          processes: rows,
          total: {
            process: "total",
            cpuMs,
            statements,
            cpuMsPerOp: perOp(cpuMs, operations),
            statementsPerOp: perOp(statements, operations),
          },
          client: { cpuMs: client, cpuMsPerOp: perOp(client, operations) },
          late: {
            cpuMs: lateCpuMs,
            statements: lateStatements,
            seconds: lateSeconds,
            excessCpuMs: excess(lateCpuMs, idleTotal("cpuMsPerSecond")),
            excessStatements: excess(lateStatements, idleTotal("statementsPerSecond")),
            quiet: quiet.quiet,
          },
        },
      };
    },
  };
  return sampler;
}

/** A per-operation figure for a table: two decimals, "n/a" when unknown. */
export function fmt(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "n/a" : value.toFixed(digits);
}

/** The total columns of a phase for the main table. */
export function costColumns(cost: PhaseCost): Record<string, string> {
  return { "CPU ms/op": fmt(cost.total.cpuMsPerOp), "SQL/op": fmt(cost.total.statementsPerOp) };
}

/**
 * One row per process (then the total and the load generator), and for each phase its CPU ms and
 * SQL statements per operation; with `idle`, each process's background CPU ms and statements per second.
 */
export function printProcessTable(phases: { label: string; cost: PhaseCost }[], idle?: IdleRates): void {
  const names = [...new Set(phases.flatMap((p) => p.cost.processes.map((r) => r.process)))];
  const rows: Record<string, string>[] = [];
  const find = (cost: PhaseCost, name: string) =>
    name === "total" ? cost.total : cost.processes.find((r) => r.process === name);
  for (const name of [...names, "total"]) {
    const row: Record<string, string> = { process: name };
    for (const { label, cost } of phases) {
      const r = find(cost, name);
      row[`${label} CPU ms/op`] = fmt(r?.cpuMsPerOp);
      row[`${label} SQL/op`] = fmt(r?.statementsPerOp);
    }
    if (idle) {
      const rates = idle.processes.filter((r) => name === "total" || r.process === name);
      row["idle CPU ms/s"] = fmt(sum(rates.map((r) => r.cpuMsPerSecond)), 1);
      row["idle SQL/s"] = fmt(sum(rates.map((r) => r.statementsPerSecond)), 1);
    }
    rows.push(row);
  }
  const client: Record<string, string> = { process: "bench client (load generator)" };
  for (const { label, cost } of phases) {
    client[`${label} CPU ms/op`] = fmt(cost.client.cpuMsPerOp);
    client[`${label} SQL/op`] = "-";
  }
  if (idle) {
    // What the idle background alone would add to each phase's totals over its window.
    const background: Record<string, string> = { process: "of total: idle background (est.)" };
    const cpu = sum(idle.processes.map((r) => r.cpuMsPerSecond));
    const statements = sum(idle.processes.map((r) => r.statementsPerSecond));
    for (const { label, cost } of phases) {
      background[`${label} CPU ms/op`] = fmt(perOp(cpu === null ? null : cpu * cost.windowSeconds, cost.operations));
      background[`${label} SQL/op`] = fmt(
        perOp(statements === null ? null : statements * cost.windowSeconds, cost.operations),
      );
    }
    Object.assign(background, { "idle CPU ms/s": "-", "idle SQL/s": "-" });
    rows.push(background);
    Object.assign(client, { "idle CPU ms/s": "-", "idle SQL/s": "-" });
  }
  rows.push(client);
  printTable(rows);
}

/** The footnote every scenario prints under its tables. */
export function costNotes(phases: { label: string; cost: PhaseCost }[]): string[] {
  const settle = phases[0]?.cost.settleSeconds ?? 0;
  const lines = [
    `CPU: utime+stime from /proc/<pid>/stat; SQL: db_client_statements_total from each process's /metrics (every round trip, BEGIN/COMMIT included).`,
    `Each phase is measured from just before its load until ${settle} s after it ended (relay and consumers finish the events it caused); background work in that window is included.`,
  ];
  for (const { label, cost } of phases) {
    // Late work beyond the idle background, if it is more than a few percent of the phase's.
    const cpu = cost.late.excessCpuMs ?? 0;
    const statements = cost.late.excessStatements ?? 0;
    const significant =
      cpu > Math.max(50, 0.05 * (cost.total.cpuMs ?? 0)) ||
      statements > Math.max(20, 0.05 * (cost.total.statements ?? 0));
    if (!cost.late.quiet || significant) {
      lines.push(
        `note: ${label}: after the ${settle} s settle window the platform still used ${fmt(cost.late.cpuMs, 0)} CPU ms and ` +
          `${fmt(cost.late.statements, 0)} SQL statements in ${fmt(cost.late.seconds, 1)} s (not counted above; ` +
          `${fmt(cost.late.excessCpuMs, 0)} ms and ${fmt(cost.late.excessStatements, 0)} statements above the idle background)` +
          (cost.late.quiet ? "" : "; it was still not quiet after 30 s"),
      );
    }
  }
  return lines;
}
