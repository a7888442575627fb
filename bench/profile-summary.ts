/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a V8 CPU profile (from
 * `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=…"`) spent its time — self time grouped by package
 * or source folder, then the top functions by self time. Startup (module loading) is included.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, "utf8")) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
};
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

function groupOf(url: string, name: string): string {
  if (url.includes("node_modules/")) return url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, "$1");
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  if (url.startsWith("file://"))
    return url
      .replace(/^file:\/\/.*?\/(lib|gateway|subgraphs|scripts|bench)\//, "$1/")
      .split("/")
      .slice(0, 2)
      .join("/");
  return name || "(native)";
}
const byGroup = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
  const ms = (selfMicros.get(node.id) ?? 0) / 1000;
  total += ms;
  const { functionName, url, lineNumber } = node.callFrame;
  const group = groupOf(url, functionName);
  byGroup.set(group, (byGroup.get(group) ?? 0) + ms);
  const where = url.replace(/.*node_modules\//, "").replace(/^file:\/\/.*?\/(lib|gateway|subgraphs)\//, "$1/");
  const key = `${functionName || "(anonymous)"} ${where}:${lineNumber}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
}
const busy = total - (byGroup.get("(idle)") ?? 0);
const rows = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${v.toFixed(0).padStart(8)} ms ${((100 * v) / busy).toFixed(1).padStart(5)} %  ${k}`)
    .join("\n");
console.log(`${file}: ${total.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy (percentages of busy)`);
console.log(`\nby package / folder (self time)\n${rows(byGroup)}\n\ntop functions (self time)\n${rows(byFunction)}`);
