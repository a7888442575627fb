/**
 * Offline validation of deploy/k8s: every resource against the Kubernetes schema of its kind, and
 * the references between resources and between the manifests and the code.
 *
 * - Schema: kubernetes-models validates each object with the JSON schema of its kind compiled from
 *   the Kubernetes OpenAPI (types, required fields, formats). Those schemas let unknown fields
 *   through (as the API server does without `--validate=strict`), so a second pass type-checks
 *   each object as an object literal against kubernetes-types (generated from the same OpenAPI,
 *   Kubernetes 1.30) with the TypeScript compiler: an unknown or misplaced field, at any depth,
 *   is an excess-property error.
 * - References: checkManifests() below (probes, ports, env, Secret and ConfigMap keys, selectors,
 *   autoscalers, the metrics adapter, the commands the containers run).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const K8S_DIR = path.join(ROOT, "deploy/k8s");

/** Files under deploy/k8s that are deliberately not applied by kustomization.yaml. */
export const NOT_APPLIED = {
  secretTemplate: "secret.template.yaml",
  adapterValues: "metrics-adapter/prometheus-adapter-values.yaml",
};

// Parsed YAML is untyped; the checks below read it defensively.
export type Resource = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  [key: string]: any;
};
type Labels = Record<string, string>;

/** apiVersion/kind → the kubernetes-models class that validates it, and its kubernetes-types type. */
const KINDS: Record<string, { model: new (data: never) => { validate(): void }; type: string; module: string }> = {
  "v1/ConfigMap": { model: ConfigMap, type: "ConfigMap", module: "core/v1" },
  "v1/Secret": { model: Secret, type: "Secret", module: "core/v1" },
  "v1/Service": { model: Service, type: "Service", module: "core/v1" },
  "apps/v1/Deployment": { model: Deployment, type: "Deployment", module: "apps/v1" },
  "batch/v1/Job": { model: Job, type: "Job", module: "batch/v1" },
  "autoscaling/v2/HorizontalPodAutoscaler": {
    model: HorizontalPodAutoscaler,
    type: "HorizontalPodAutoscaler",
    module: "autoscaling/v2",
  },
  "policy/v1/PodDisruptionBudget": { model: PodDisruptionBudget, type: "PodDisruptionBudget", module: "policy/v1" },
  "networking.k8s.io/v1/Ingress": { model: Ingress, type: "Ingress", module: "networking/v1" },
  "networking.k8s.io/v1/NetworkPolicy": { model: NetworkPolicy, type: "NetworkPolicy", module: "networking/v1" },
};

const kindKey = (r: Resource) => `${r.apiVersion}/${r.kind}`;
export const describe = (r: Resource) => `${r.kind} ${r.metadata?.name ?? "(unnamed)"}`;

/** Every YAML document of a file, failing on syntax errors and on duplicate keys. */
export function readYamlDocuments(file: string): Resource[] {
  const docs = parseAllDocuments(readFileSync(file, "utf8"), { uniqueKeys: true });
  const resources: Resource[] = [];
  for (const doc of docs) {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length) throw new Error(`${path.relative(ROOT, file)}: ${problems.map((e) => e.message).join("; ")}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) resources.push(value as Resource);
  }
  return resources;
}

export interface Manifests {
  /** The resources kustomization.yaml applies, in its order. */
  resources: Resource[];
  /** secret.template.yaml: the Secret the operator creates. */
  secretTemplate: Resource;
  kustomization: { namespace?: string; resources: string[]; images?: { name: string; newName?: string }[] };
  /** Helm values of prometheus-adapter. */
  adapterValues: AdapterValues;
  /** Every .yaml/.yml file under deploy/k8s, relative to it. */
  files: string[];
}

interface AdapterRule {
  seriesQuery: string;
  name?: { matches?: string; as?: string };
  metricsQuery: string;
}
interface AdapterValues {
  rules?: { custom?: AdapterRule[]; external?: AdapterRule[] };
}

function listYaml(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return listYaml(path.join(dir, entry.name), relative);
    return /\.ya?ml$/.test(entry.name) ? [relative] : [];
  });
}

export function loadManifests(): Manifests {
  const kustomization = parseYaml(readFileSync(path.join(K8S_DIR, "kustomization.yaml"), "utf8"), {
    uniqueKeys: true,
  }) as Manifests["kustomization"];
  const resources = kustomization.resources.flatMap((file) => readYamlDocuments(path.join(K8S_DIR, file)));
  const [secretTemplate] = readYamlDocuments(path.join(K8S_DIR, NOT_APPLIED.secretTemplate));
  const adapterValues = parseYaml(readFileSync(path.join(K8S_DIR, NOT_APPLIED.adapterValues), "utf8"), {
    uniqueKeys: true,
  }) as AdapterValues;
  return { resources, secretTemplate, kustomization, adapterValues, files: listYaml(K8S_DIR) };
}

/** Schema validation with kubernetes-models (the Kubernetes OpenAPI schemas compiled to validators). */
export function schemaProblems(resources: Resource[]): string[] {
  const problems: string[] = [];
  for (const resource of resources) {
    const kind = KINDS[kindKey(resource)];
    if (!kind) {
      problems.push(
        `${describe(resource)}: no schema for ${kindKey(resource)} (add it to KINDS in test/deploy/k8s.ts)`,
      );
      continue;
    }
    try {
      new kind.model(structuredClone(resource) as never).validate();
    } catch (error) {
      problems.push(`${describe(resource)}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * Strict validation: each resource becomes a typed object literal in a virtual TypeScript file,
 * type-checked against kubernetes-types; excess-property errors are unknown fields.
 */
export function strictProblems(resources: Resource[]): string[] {
  const file = path.join(ROOT, "test/deploy/__k8s_manifests__.ts");
  const imports = new Map<string, Set<string>>();
  const body: string[] = [];
  const owners: Resource[] = [];
  resources.forEach((resource, index) => {
    const kind = KINDS[kindKey(resource)];
    if (!kind) return;
    const alias = `${kind.module.replace(/\W/g, "_")}_${kind.type}`;
    if (!imports.has(kind.module)) imports.set(kind.module, new Set());
    imports.get(kind.module)!.add(`${kind.type} as ${alias}`);
    const literal = toLiteral(resource).split("\n");
    literal[0] = `export const r${index}: ${alias} = ${literal[0]}`;
    literal[literal.length - 1] += ";";
    for (const line of literal) {
      body.push(line);
      owners.push(resource);
    }
  });
  const head = [...imports].map(
    ([module, names]) => `import type { ${[...names].join(", ")} } from "kubernetes-types/${module}";`,
  );
  const source = [...head, ...body].join("\n");
  /** The resource whose literal holds a (0-based) line of the virtual file. */
  const ownerOf = (line: number) => owners[line - head.length];

  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    lib: ["lib.es2022.d.ts"],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    path.resolve(name) === file
      ? ts.createSourceFile(name, source, languageVersion, true)
      : getSourceFile(name, languageVersion, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (path.resolve(name) === file ? source : readFile(name));
  const program = ts.createProgram([file], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return diagnostics.map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
    if (!diagnostic.file || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const owner = ownerOf(line);
    const where = owner ? describe(owner) : `line ${line + 1}`;
    const text = diagnostic.file.getFullText().split("\n")[line]?.trim() ?? "";
    return `${where}: ${message} (at ${text})`;
  });
}

/** A value as a TypeScript object literal, one property per line, keys unquoted where they can be. */
function toLiteral(value: unknown, indent = ""): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = indent + "  ";
    return `[\n${value.map((v) => inner + toLiteral(v, inner)).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const inner = indent + "  ";
    const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
    return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${toLiteral(v, inner)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}

// ---------------------------------------------------------------------------------------------
// References between resources and with the code.

/** What each long-running process is, how it is started, and what it cannot start without. */
export const PROCESSES: Record<
  string,
  { script: string; portVariable: string; required: string[]; secrets: string[]; scaling: "cpu" | "lag" | "none" }
> = {
  gateway: {
    script: "start:gateway",
    portVariable: "GATEWAY_PORT",
    required: ["HOST", "BOOKING_URL", "INVENTORY_URL", "PAYMENT_URL", "NOTIFICATION_URL", "REDIS_URL"],
    secrets: ["JWT_SECRET", "SERVICE_SECRET", "METRICS_TOKEN"],
    scaling: "cpu",
  },
  booking: {
    script: "start:booking",
    portVariable: "BOOKING_PORT",
    required: ["HOST", "REDIS_URL", "KAFKA_BROKERS", "INVENTORY_INTERNAL_URL"],
    secrets: ["DATABASE_URL", "JWT_SECRET", "SERVICE_SECRET"],
    scaling: "cpu",
  },
  inventory: {
    script: "start:inventory",
    portVariable: "INVENTORY_PORT",
    required: ["HOST", "REDIS_URL", "KAFKA_BROKERS"],
    secrets: ["DATABASE_URL", "JWT_SECRET", "SERVICE_SECRET"],
    scaling: "cpu",
  },
  payment: {
    script: "start:payment",
    portVariable: "PAYMENT_PORT",
    required: ["HOST", "REDIS_URL", "KAFKA_BROKERS"],
    secrets: ["DATABASE_URL", "JWT_SECRET", "SERVICE_SECRET", "PAYMENT_WEBHOOK_SECRET"],
    scaling: "lag",
  },
  notification: {
    script: "start:notification",
    portVariable: "NOTIFICATION_PORT",
    required: ["HOST", "REDIS_URL", "KAFKA_BROKERS"],
    secrets: ["DATABASE_URL", "JWT_SECRET", "SERVICE_SECRET"],
    scaling: "lag",
  },
  relay: {
    script: "start:relay",
    portVariable: "RELAY_PORT",
    required: ["HOST", "KAFKA_BROKERS"],
    secrets: ["DATABASE_URL"],
    scaling: "none",
  },
};

/** One-off Jobs: name → npm script and the secrets it needs. */
export const JOBS: Record<string, { script: string; secrets: string[] }> = {
  "booking-platform-migrate": { script: "db:migrate", secrets: ["DATABASE_URL"] },
};

/** Variables that carry credentials: only ever from a Secret. */
export const SECRET_VARIABLES = [
  "DATABASE_URL",
  "JWT_SECRET",
  "SERVICE_SECRET",
  "PAYMENT_WEBHOOK_SECRET",
  "METRICS_TOKEN",
  "SMTP_URL",
];

/** Seed 003 §6.2: scale triggers per process. */
export const SEED_SCALING = {
  minReplicas: 2,
  maxReplicas: 10,
  scaleDownStabilizationSeconds: 60,
  cpu: { gateway: 70, booking: 60, inventory: 70 } as Record<string, number>,
  lag: { payment: 1000, notification: 5000 } as Record<string, number>,
};

/** The platform gives up on a graceful shutdown after this long (lib/process/main.ts), then exits. */
export const SHUTDOWN_DEADLINE_SECONDS = 30;

export interface CheckContext {
  /** package.json scripts. */
  scripts: Record<string, string>;
  /** Kafka partitions of the platform's topics, when found in the code. */
  kafkaPartitions?: number;
  /** The uid the Dockerfile's USER runs as. */
  imageUid?: number;
}

const matches = (selector: Labels | undefined, labels: Labels | undefined) =>
  !!selector &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

const byKind = (resources: Resource[], kind: string) => resources.filter((r) => r.kind === kind);

type Any = any;

function podSpecOf(resource: Resource): Any {
  return resource.spec?.template?.spec;
}

/** Resolves a probe's or Service's port (number or name) to a declared containerPort. */
function resolvePort(container: Any, port: number | string | undefined): number | undefined {
  const ports: Any[] = container.ports ?? [];
  const found = ports.find((p) => (typeof port === "number" ? p.containerPort === port : p.name === port));
  return found?.containerPort;
}

/** The environment a container gets: name → where the value comes from. */
type EnvSource =
  | { from: "value"; value: string }
  | { from: "configMap"; name: string; key: string }
  | { from: "secret"; name: string; key: string }
  | { from: "other" };

function containerEnv(container: Any, configMaps: Map<string, Labels>, problems: string[], where: string) {
  const env = new Map<string, EnvSource>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const data = configMaps.get(source.configMapRef.name);
      if (!data) problems.push(`${where}: envFrom names a missing ConfigMap ${source.configMapRef.name}`);
      for (const key of Object.keys(data ?? {})) {
        env.set(key, { from: "configMap", name: source.configMapRef.name, key });
      }
    } else {
      problems.push(`${where}: envFrom other than a configMapRef (use secretKeyRef per variable for secrets)`);
    }
  }
  // Explicit entries win over envFrom, as in Kubernetes.
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env.set(entry.name, { from: "value", value: String(entry.value) });
    else if (entry.valueFrom?.configMapKeyRef) {
      env.set(entry.name, { from: "configMap", ...entry.valueFrom.configMapKeyRef });
    } else if (entry.valueFrom?.secretKeyRef) env.set(entry.name, { from: "secret", ...entry.valueFrom.secretKeyRef });
    else env.set(entry.name, { from: "other" });
  }
  return env;
}

/** Value of an environment variable when it is a literal or comes from a ConfigMap. */
function envValue(env: Map<string, EnvSource>, name: string, configMaps: Map<string, Labels>): string | undefined {
  const source = env.get(name);
  if (!source) return undefined;
  if (source.from === "value") return source.value;
  if (source.from === "configMap") return configMaps.get(source.name)?.[source.key];
  return undefined;
}

/** Every problem found in the manifests; empty when they are consistent. */
export function checkManifests(manifests: Manifests, context: CheckContext): string[] {
  const problems: string[] = [];
  const { resources, secretTemplate } = manifests;
  const deployments = byKind(resources, "Deployment");
  const jobs = byKind(resources, "Job");
  const services = byKind(resources, "Service");
  const hpas = byKind(resources, "HorizontalPodAutoscaler");
  const configMaps = new Map(byKind(resources, "ConfigMap").map((c) => [c.metadata.name, (c.data ?? {}) as Labels]));
  const secretKeys = new Set(Object.keys({ ...(secretTemplate.stringData ?? {}), ...(secretTemplate.data ?? {}) }));

  // Names are unique per kind (kustomize would refuse duplicates).
  const seen = new Set<string>();
  for (const r of resources) {
    const key = `${r.kind}/${r.metadata?.name}`;
    if (seen.has(key)) problems.push(`${key}: defined twice`);
    seen.add(key);
    if (r.metadata?.namespace) problems.push(`${key}: sets metadata.namespace (kustomization.yaml sets it)`);
  }

  // Every file under deploy/k8s is applied, or is one of the documented exceptions.
  const listed = new Set([...manifests.kustomization.resources, ...Object.values(NOT_APPLIED), "kustomization.yaml"]);
  for (const file of manifests.files) {
    if (!listed.has(file)) problems.push(`deploy/k8s/${file}: neither in kustomization.yaml nor a known exception`);
  }
  for (const file of manifests.kustomization.resources) {
    if (!existsSync(path.join(K8S_DIR, file))) problems.push(`kustomization.yaml: ${file} does not exist`);
  }
  if (!manifests.kustomization.namespace) problems.push("kustomization.yaml: no namespace");

  // The Secret template: every key the operator must create, none with a real-looking value.
  if (secretTemplate.kind !== "Secret") problems.push(`${NOT_APPLIED.secretTemplate}: not a Secret`);
  for (const [key, value] of Object.entries(secretTemplate.stringData ?? {})) {
    if (!/^<.*>$|<.*>/.test(String(value))) problems.push(`Secret template: ${key} is not a <placeholder>`);
  }

  // ConfigMaps carry no credentials.
  for (const [name, data] of configMaps) {
    for (const key of Object.keys(data)) {
      if (SECRET_VARIABLES.includes(key)) problems.push(`ConfigMap ${name}: ${key} is a secret; put it in the Secret`);
    }
  }

  const images = new Set((manifests.kustomization.images ?? []).map((i) => i.name));
  const expected = new Set(Object.keys(PROCESSES));
  for (const name of expected) {
    if (!deployments.some((d) => d.metadata.name === name)) problems.push(`Deployment ${name}: missing`);
  }

  const checkPod = (owner: Resource, longRunning: boolean) => {
    const where = describe(owner);
    const pod = podSpecOf(owner);
    if (!pod) {
      problems.push(`${where}: no pod template`);
      return;
    }
    if (pod.enableServiceLinks !== false) {
      problems.push(`${where}: enableServiceLinks must be false (service links inject <SERVICE>_PORT=tcp://…)`);
    }
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot is not true`);
    const uid = pod.securityContext?.runAsUser;
    if (typeof uid !== "number" || uid === 0) problems.push(`${where}: runAsUser must be a non-zero uid`);
    if (context.imageUid !== undefined && uid !== context.imageUid) {
      problems.push(`${where}: runAsUser ${uid} differs from the Dockerfile's USER ${context.imageUid}`);
    }
    if (pod.automountServiceAccountToken !== false) problems.push(`${where}: automountServiceAccountToken not false`);
    const volumes = new Map<string, Any>((pod.volumes ?? []).map((v: Any) => [v.name, v]));
    const containers: Any[] = pod.containers ?? [];
    if (containers.length !== 1) problems.push(`${where}: expected one container, found ${containers.length}`);
    for (const container of containers) {
      const at = `${where} container ${container.name}`;
      if (!images.has(container.image?.split(":")[0])) {
        problems.push(`${at}: image ${container.image} is not the kustomization's image`);
      }
      const security = container.securityContext ?? {};
      if (security.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation not false`);
      if (!(security.capabilities?.drop ?? []).includes("ALL")) problems.push(`${at}: capabilities not dropped`);
      if (security.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem not true`);
      // tsx writes its compile cache to os.tmpdir(): /tmp must be a writable volume.
      const tmp = (container.volumeMounts ?? []).find((m: Any) => m.mountPath === "/tmp");
      if (!tmp || !volumes.get(tmp.name)?.emptyDir) problems.push(`${at}: no emptyDir mounted at /tmp`);
      for (const kind of ["requests", "limits"]) {
        for (const resource of ["cpu", "memory"]) {
          if (!container.resources?.[kind]?.[resource]) problems.push(`${at}: no ${kind}.${resource}`);
        }
      }
      for (const resource of ["cpu", "memory"]) {
        const request = quantity(container.resources?.requests?.[resource]);
        const limit = quantity(container.resources?.limits?.[resource]);
        if (request > limit) problems.push(`${at}: ${resource} request above its limit`);
      }
      const env = containerEnv(container, configMaps, problems, at);
      // V8's heap cap (NODE_OPTIONS) leaves room under the memory limit for the rest of the process.
      const nodeOptions = env.get("NODE_OPTIONS");
      const heap = nodeOptions?.from === "value" ? /--max-old-space-size=(\d+)/.exec(nodeOptions.value) : null;
      if (heap && Number(heap[1]) * 1024 ** 2 > 0.8 * quantity(container.resources?.limits?.memory)) {
        problems.push(`${at}: --max-old-space-size=${heap[1]} leaves less than 20 % of the memory limit`);
      }
      for (const [name, source] of env) {
        if (source.from === "configMap") {
          const data = configMaps.get(source.name);
          if (!data) problems.push(`${at}: ${name} names a missing ConfigMap ${source.name}`);
          else if (!(source.key in data))
            problems.push(`${at}: ${name} names a missing key ${source.name}/${source.key}`);
        }
        if (source.from === "secret") {
          if (source.name !== secretTemplate.metadata.name) {
            problems.push(`${at}: ${name} names Secret ${source.name}, not ${secretTemplate.metadata.name}`);
          } else if (!secretKeys.has(source.key)) {
            problems.push(`${at}: ${name} names a missing key ${source.name}/${source.key}`);
          }
        }
        if (SECRET_VARIABLES.includes(name) && source.from !== "secret") {
          problems.push(`${at}: ${name} must come from a secretKeyRef`);
        }
      }
      if (longRunning) checkProcess(owner, container, env, at);
    }
    return containers[0];
  };

  const checkCommand = (at: string, container: Any, script: string) => {
    // The container runs the npm script's body with node itself: `tsx <args>` → node --import tsx <args>.
    const command: string[] = [...(container.command ?? []), ...(container.args ?? [])];
    const body = context.scripts[script];
    if (!body) problems.push(`${at}: package.json has no script ${script}`);
    else if (command.slice(0, 3).join(" ") !== "node --import tsx" || `tsx ${command.slice(3).join(" ")}` !== body) {
      problems.push(`${at}: runs \`${command.join(" ")}\`, not npm run ${script} (\`${body}\`)`);
    }
  };

  const checkProcess = (owner: Resource, container: Any, env: Map<string, EnvSource>, at: string) => {
    const name = owner.metadata.name;
    const process = PROCESSES[name];
    if (!process) {
      problems.push(`${at}: unknown process ${name} (add it to PROCESSES in test/deploy/k8s.ts)`);
      return;
    }
    checkCommand(at, container, process.script);
    for (const variable of [...process.required, process.portVariable, ...process.secrets]) {
      if (!env.has(variable)) problems.push(`${at}: ${variable} is not set`);
    }
    for (const variable of process.secrets) {
      if (env.has(variable) && env.get(variable)!.from !== "secret")
        problems.push(`${at}: ${variable} not from the Secret`);
    }
    if (envValue(env, "HOST", configMaps) !== "0.0.0.0") problems.push(`${at}: HOST is not 0.0.0.0`);
    const port = Number(envValue(env, process.portVariable, configMaps));
    const declared: number[] = (container.ports ?? []).map((p: Any) => p.containerPort);
    if (!declared.includes(port))
      problems.push(`${at}: ${process.portVariable}=${port} is not a declared containerPort`);
    const probes = { livenessProbe: "/healthz", readinessProbe: "/readyz", startupProbe: "/healthz" } as const;
    for (const [probe, expectedPath] of Object.entries(probes)) {
      const http = container[probe]?.httpGet;
      if (!http) {
        if (probe !== "startupProbe") problems.push(`${at}: no ${probe}`);
        continue;
      }
      if (http.path !== expectedPath) problems.push(`${at}: ${probe} on ${http.path}, expected ${expectedPath}`);
      const resolved = resolvePort(container, http.port);
      if (resolved === undefined) problems.push(`${at}: ${probe} port ${http.port} is not a declared containerPort`);
      else if (resolved !== port) problems.push(`${at}: ${probe} on port ${resolved}, the process listens on ${port}`);
    }
    // Graceful shutdown: preStop, then the platform's own deadline, must fit in the grace period.
    const preStop: string[] = container.lifecycle?.preStop?.exec?.command ?? [];
    const preStopSeconds = preStop[0] === "sleep" ? Number(preStop[1]) : 0;
    const grace = podSpecOf(owner).terminationGracePeriodSeconds ?? 30;
    if (grace <= SHUTDOWN_DEADLINE_SECONDS + preStopSeconds) {
      problems.push(
        `${at}: terminationGracePeriodSeconds ${grace} ≤ preStop ${preStopSeconds} s + shutdown deadline ${SHUTDOWN_DEADLINE_SECONDS} s`,
      );
    }
    // Prometheus annotations point at the process's port.
    const annotated = owner.spec.template.metadata?.annotations?.["prometheus.io/port"];
    if (annotated !== undefined && Number(annotated) !== port) {
      problems.push(`${at}: prometheus.io/port ${annotated} is not the process's port ${port}`);
    }
  };

  const podContainers = new Map<string, Any>();
  for (const deployment of deployments) {
    const where = describe(deployment);
    const selector = deployment.spec?.selector?.matchLabels;
    if (!matches(selector, deployment.spec?.template?.metadata?.labels)) {
      problems.push(`${where}: selector does not match its pod template's labels`);
    }
    const container = checkPod(deployment, true);
    if (container) podContainers.set(deployment.metadata.name, container);
    const replicas = deployment.spec?.replicas ?? 1;
    if (replicas < 2) problems.push(`${where}: fewer than 2 replicas (seed 003 §6.2: HA)`);
  }
  for (const job of jobs) {
    const at = describe(job);
    const container = checkPod(job, false);
    const spec = JOBS[job.metadata.name];
    if (!spec) problems.push(`${at}: unknown Job (add it to JOBS in test/deploy/k8s.ts)`);
    else if (container) {
      checkCommand(at, container, spec.script);
      const env = containerEnv(container, configMaps, [], at);
      for (const variable of spec.secrets) {
        if (env.get(variable)?.from !== "secret") problems.push(`${at}: ${variable} not from the Secret`);
      }
    }
  }

  // Services: each selects the pods of exactly one Deployment, on one of its container ports.
  const serviceTarget = new Map<string, { deployment: Resource; ports: Map<string | number, number> }>();
  for (const service of services) {
    const where = describe(service);
    const selected = deployments.filter((d) => matches(service.spec?.selector, d.spec?.template?.metadata?.labels));
    if (selected.length !== 1) {
      problems.push(`${where}: selector matches ${selected.length} Deployments, expected 1`);
      continue;
    }
    const container = podContainers.get(selected[0].metadata.name);
    const ports = new Map<string | number, number>();
    for (const port of service.spec?.ports ?? []) {
      const target = resolvePort(container ?? {}, port.targetPort ?? port.port);
      if (target === undefined) problems.push(`${where}: targetPort ${port.targetPort} is not a containerPort`);
      else if (target !== port.port)
        problems.push(`${where}: port ${port.port} forwards to ${target}: keep them equal`);
      if (port.name) ports.set(port.name, port.port);
      ports.set(port.port, port.port);
    }
    serviceTarget.set(service.metadata.name, { deployment: selected[0], ports });
  }
  for (const deployment of deployments) {
    if (![...serviceTarget.values()].some((s) => s.deployment === deployment)) {
      problems.push(`${describe(deployment)}: no Service selects it`);
    }
  }

  // URLs in the configuration point at the right Service and port.
  const urlTargets: Record<string, { service: string; path?: string }> = {
    BOOKING_URL: { service: "booking", path: "/graphql" },
    INVENTORY_URL: { service: "inventory", path: "/graphql" },
    PAYMENT_URL: { service: "payment", path: "/graphql" },
    NOTIFICATION_URL: { service: "notification", path: "/graphql" },
    INVENTORY_INTERNAL_URL: { service: "inventory" },
  };
  for (const [name, data] of configMaps) {
    for (const [variable, target] of Object.entries(urlTargets)) {
      if (!(variable in data)) continue;
      const at = `ConfigMap ${name}: ${variable}`;
      let url: URL;
      try {
        url = new URL(data[variable]);
      } catch {
        problems.push(`${at} is not a URL`);
        continue;
      }
      const service = serviceTarget.get(url.hostname);
      if (!service) problems.push(`${at} names ${url.hostname}, which is not a Service`);
      else if (service.deployment.metadata.name !== target.service) {
        problems.push(`${at} reaches ${service.deployment.metadata.name}, expected ${target.service}`);
      } else if (!service.ports.has(Number(url.port || 80))) {
        problems.push(`${at} uses port ${url.port}, not a port of Service ${url.hostname}`);
      }
      if (target.path && url.pathname !== target.path)
        problems.push(`${at} path ${url.pathname}, expected ${target.path}`);
    }
  }

  // Autoscalers: along seed 003 §6.2.
  const adapterMetrics = {
    External: new Set((manifests.adapterValues.rules?.external ?? []).map((r) => r.name?.as)),
    Pods: new Set((manifests.adapterValues.rules?.custom ?? []).map((r) => r.name?.as)),
  };
  const scaled = new Set<string>();
  for (const hpa of hpas) {
    const where = describe(hpa);
    const target = hpa.spec?.scaleTargetRef ?? {};
    const deployment = deployments.find((d) => d.metadata.name === target.name);
    if (target.kind !== "Deployment" || target.apiVersion !== "apps/v1" || !deployment) {
      problems.push(
        `${where}: targets ${target.apiVersion} ${target.kind} ${target.name}, which is not a Deployment here`,
      );
      continue;
    }
    const name = deployment.metadata.name;
    scaled.add(name);
    if (hpa.spec.minReplicas < SEED_SCALING.minReplicas) problems.push(`${where}: minReplicas below 2`);
    if (hpa.spec.maxReplicas > SEED_SCALING.maxReplicas) problems.push(`${where}: maxReplicas above 10`);
    if (hpa.spec.minReplicas > hpa.spec.maxReplicas) problems.push(`${where}: minReplicas above maxReplicas`);
    if (hpa.spec.behavior?.scaleDown?.stabilizationWindowSeconds !== SEED_SCALING.scaleDownStabilizationSeconds) {
      problems.push(`${where}: scale-down stabilization is not the seed's 60 s cool-down`);
    }
    const metrics: Any[] = hpa.spec.metrics ?? [];
    const cpu = metrics.find((m) => m.type === "Resource" && m.resource?.name === "cpu");
    const expectedCpu = SEED_SCALING.cpu[name];
    if (PROCESSES[name]?.scaling === "cpu" || expectedCpu !== undefined) {
      if (!cpu) problems.push(`${where}: no CPU metric`);
      else if (expectedCpu !== undefined && cpu.resource.target?.averageUtilization !== expectedCpu) {
        problems.push(`${where}: CPU target ${cpu.resource.target?.averageUtilization} %, seed says ${expectedCpu} %`);
      }
    }
    const lag = metrics.find((m) => m.type === "External" && m.external?.metric?.name === "kafka_consumer_lag");
    if (PROCESSES[name]?.scaling === "lag") {
      if (!lag) problems.push(`${where}: no kafka_consumer_lag metric (seed 003 §6.2: workers scale on lag)`);
      else {
        if (lag.external.metric.selector?.matchLabels?.service !== name) {
          problems.push(`${where}: the lag metric does not select service=${name}`);
        }
        const value = Number(lag.external.target?.averageValue);
        if (lag.external.target?.type !== "AverageValue" || value !== SEED_SCALING.lag[name]) {
          problems.push(
            `${where}: lag target ${lag.external.target?.type} ${value}, seed says ${SEED_SCALING.lag[name]}`,
          );
        }
      }
      if (context.kafkaPartitions !== undefined && hpa.spec.maxReplicas > context.kafkaPartitions) {
        problems.push(
          `${where}: maxReplicas ${hpa.spec.maxReplicas} above the ${context.kafkaPartitions} Kafka partitions (idle consumers)`,
        );
      }
    }
    for (const metric of metrics) {
      if (metric.type === "External" || metric.type === "Pods") {
        const metricName = metric.type === "External" ? metric.external?.metric?.name : metric.pods?.metric?.name;
        if (!adapterMetrics[metric.type as "External" | "Pods"].has(metricName)) {
          problems.push(`${where}: ${metric.type} metric ${metricName} is not served by ${NOT_APPLIED.adapterValues}`);
        }
      }
    }
  }
  for (const [name, process] of Object.entries(PROCESSES)) {
    if (process.scaling !== "none" && !scaled.has(name))
      problems.push(`Deployment ${name}: no HorizontalPodAutoscaler`);
    if (process.scaling === "none" && scaled.has(name)) problems.push(`Deployment ${name}: must not autoscale`);
  }

  // Disruption budgets leave room to drain a node.
  for (const pdb of byKind(resources, "PodDisruptionBudget")) {
    const selected = deployments.filter((d) =>
      matches(pdb.spec?.selector?.matchLabels, d.spec?.template?.metadata?.labels),
    );
    if (selected.length !== 1) problems.push(`${describe(pdb)}: selects ${selected.length} Deployments, expected 1`);
    else if ((pdb.spec.minAvailable ?? 0) >= (selected[0].spec.replicas ?? 1)) {
      problems.push(`${describe(pdb)}: minAvailable leaves no pod of ${selected[0].metadata.name} evictable`);
    }
  }

  // The Ingress reaches Services and named ports that exist.
  for (const ingress of byKind(resources, "Ingress")) {
    for (const rule of ingress.spec?.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const backend = p.backend?.service;
        const service = serviceTarget.get(backend?.name);
        if (!service) problems.push(`${describe(ingress)}: ${p.path} → missing Service ${backend?.name}`);
        else if (!service.ports.has(backend.port?.name ?? backend.port?.number)) {
          problems.push(
            `${describe(ingress)}: ${p.path} → Service ${backend.name} has no port ${JSON.stringify(backend.port)}`,
          );
        }
      }
    }
  }

  // Network policies select pods that exist.
  for (const policy of byKind(resources, "NetworkPolicy")) {
    const selector = policy.spec?.podSelector ?? {};
    const selects = (labels: Labels) =>
      Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
      (selector.matchExpressions ?? []).every((e: Any) =>
        e.operator === "In" ? e.values.includes(labels[e.key]) : e.operator === "Exists" ? e.key in labels : true,
      );
    if (!deployments.some((d) => selects(d.spec?.template?.metadata?.labels ?? {}))) {
      problems.push(`${describe(policy)}: selects no pod`);
    }
  }

  return problems;
}

/** Kubernetes quantities (cpu: "250m", "1"; memory: "320Mi", "1Gi") as numbers, for comparisons. */
export function quantity(value: string | number | undefined): number {
  if (value === undefined) return NaN;
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(String(value));
  if (!match) return NaN;
  const factor: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  return Number(match[1]) * (match[2] ? factor[match[2]] : 1);
}

/**
 * The partition count the platform creates its topics with (`numPartitions` in lib/), resolving
 * a constant if it is one; undefined when the code no longer says.
 */
export function kafkaPartitions(): number | undefined {
  const sources = listTs(path.join(ROOT, "lib")).map((file) => readFileSync(file, "utf8"));
  const found = new Set<number>();
  for (const source of sources) {
    for (const [, value] of source.matchAll(/numPartitions:\s*([\w.]+)/g)) {
      if (/^\d+$/.test(value)) found.add(Number(value));
      else {
        const name = value.split(".").pop()!;
        for (const text of sources) {
          const constant = new RegExp(`\\b${name}\\s*(?::[^=]+)?=\\s*(\\d+)`).exec(text);
          if (constant) found.add(Number(constant[1]));
        }
      }
    }
  }
  return found.size ? Math.min(...found) : undefined;
}

export function listTs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : listTs(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}
