/**
 * Reading the Dockerfile and .dockerignore without Docker, and walking the imports of the
 * processes' entry scripts to know what the image must contain.
 */
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { ROOT } from "./k8s";

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY… */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

const KEYWORDS = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

/** The Dockerfile's instructions (comments dropped, `\` continuations joined); throws on unknown ones. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let current: Instruction | null = null;
  text.split("\n").forEach((raw, index) => {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line)) return; // comments, also between continuation lines
    if (current === null) {
      if (!line.trim()) return;
      const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
      if (!match || !KEYWORDS.has(match[1].toUpperCase())) {
        throw new Error(`Dockerfile line ${index + 1}: not an instruction: ${line}`);
      }
      current = { keyword: match[1].toUpperCase(), args: match[2], line: index + 1 };
    } else {
      current.args += ` ${line.trim()}`;
    }
    if (current.args.endsWith("\\")) {
      current.args = current.args.slice(0, -1).trimEnd();
    } else {
      instructions.push(current);
      current = null;
    }
  });
  if (current) throw new Error("Dockerfile: ends inside a continued instruction");
  return instructions;
}

/** An exec-form (JSON array) argument list, or null for the shell form. */
export function execForm(args: string): string[] | null {
  if (!args.trim().startsWith("[")) return null;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === "string")) {
    throw new Error(`not an exec form: ${args}`);
  }
  return parsed;
}

/** COPY/ADD sources of the build context (not --from=stage), without flags. */
export function copySources(instruction: Instruction): { sources: string[]; destination: string } | null {
  if (instruction.keyword !== "COPY" && instruction.keyword !== "ADD") return null;
  const parts = execForm(instruction.args) ?? instruction.args.split(/\s+/).filter(Boolean);
  const flags = parts.filter((p) => p.startsWith("--"));
  if (flags.some((f) => f.startsWith("--from"))) return null;
  const paths = parts.filter((p) => !p.startsWith("--"));
  return {
    sources: paths.slice(0, -1).map((p) => p.replace(/^\.\//, "").replace(/\/$/, "")),
    destination: paths.at(-1)!,
  };
}

/** A .dockerignore as a predicate on context-relative paths (patterns, `**`, `*`, `?`, `!` exceptions). */
export function dockerignore(text: string): (file: string) => boolean {
  const rules = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((pattern) => {
      const negated = pattern.startsWith("!");
      const glob = path.posix.normalize(pattern.replace(/^!/, "").replace(/^\//, "")).replace(/\/$/, "");
      const source = glob
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) =>
          part === "**/"
            ? "(?:.*/)?"
            : part === "**"
              ? ".*"
              : part === "*"
                ? "[^/]*"
                : part === "?"
                  ? "[^/]"
                  : part.replace(/[.+^${}()|[\]\\]/g, "\\$&"),
        )
        .join("");
      return { negated, regex: new RegExp(`^${source}$`) };
    });
  return (file) => {
    // A path is excluded when it, or a folder above it, matches; later rules override earlier ones.
    const segments = file.split("/");
    const candidates = segments.map((_, i) => segments.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.regex.test(c))) excluded = !rule.negated;
    }
    return excluded;
  };
}

export interface ImportGraph {
  /** Source files (relative to the repository) a process loads. */
  files: Set<string>;
  /** npm packages those files import at run time (type-only imports left out), with an importer each. */
  packages: Map<string, string>;
  /** Relative imports that resolve to no file. */
  unresolved: string[];
}

const BUILTINS = new Set(builtinModules);

/** Follows the static and literal dynamic imports from the entry scripts. */
export function importGraph(entries: string[]): ImportGraph {
  const graph: ImportGraph = { files: new Set(), packages: new Map(), unresolved: [] };
  const queue = [...entries];
  while (queue.length) {
    const file = queue.shift()!;
    if (graph.files.has(file)) continue;
    graph.files.add(file);
    const source = readFileSync(path.join(ROOT, file), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    const specifiers: string[] = [];
    for (const m of source.matchAll(
      /(?:^|[\n;])\s*(?:import|export)\s+(type\s+)?(?:[^'"`;]*?\sfrom\s*)?["']([^"']+)["']/g,
    )) {
      if (!m[1]) specifiers.push(m[2]);
    }
    for (const m of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specifiers.push(m[1]);
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) {
        const resolved = resolveRelative(path.posix.join(path.posix.dirname(file), specifier));
        if (resolved) queue.push(resolved);
        else graph.unresolved.push(`${file}: ${specifier}`);
      } else {
        const bare = specifier.replace(/^node:/, "");
        if (specifier.startsWith("node:") || BUILTINS.has(bare) || BUILTINS.has(bare.split("/")[0])) continue;
        const parts = specifier.split("/");
        const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
        if (!graph.packages.has(name)) graph.packages.set(name, file);
      }
    }
  }
  return graph;
}

function resolveRelative(base: string): string | undefined {
  const candidates = [
    base,
    `${base}.ts`,
    `${base}/index.ts`,
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.mjs$/, ".mts"),
  ];
  return candidates.find((c) => /\.(ts|mts|js|mjs|json)$/.test(c) && existsSync(path.join(ROOT, c)));
}
