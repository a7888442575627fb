// `npm run web` at the platform's top level: installs the app's dependencies when they are missing
// or older than web/package-lock.json, then starts `next dev` on port 3000 (PORT overrides)
// against the gateway at GRAPHQL_URL / NEXT_PUBLIC_GRAPHQL_URL (default http://127.0.0.1:4000/graphql).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";

const web = path.resolve(import.meta.dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const installed = path.join(web, "node_modules/.package-lock.json");
const lock = path.join(web, "package-lock.json");
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.log("Installing the web app's dependencies (web/node_modules)…");
  const result = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: web, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
const port = process.env.PORT || "3000";
const gateway = process.env.GRAPHQL_URL || process.env.NEXT_PUBLIC_GRAPHQL_URL || "http://127.0.0.1:4000/graphql";
console.log(`Web app: http://localhost:${port} (gateway ${gateway}; start the platform with npm start)`);
const next = spawn(process.execPath, [path.join(web, "node_modules/next/dist/bin/next"), "dev", "-p", port], {
  cwd: web,
  stdio: "inherit",
  env: { NEXT_TELEMETRY_DISABLED: "1", ...process.env },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => next.kill(signal));
next.on("exit", (code) => process.exit(code ?? 0));
