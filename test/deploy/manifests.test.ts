/**
 * deploy/k8s and the Dockerfile, checked offline (no cluster, no Docker): Kubernetes schemas
 * (strict), references between resources, and against the code (package.json scripts, the
 * variables the processes read, what the image must contain). See test/deploy/k8s.ts.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkManifests,
  kafkaPartitions,
  listTs,
  loadManifests,
  PROCESSES,
  ROOT,
  schemaProblems,
  SECRET_VARIABLES,
  strictProblems,
  type CheckContext,
  type Manifests,
  type Resource,
} from "./k8s";
import { copySources, dockerignore, execForm, importGraph, parseDockerfile, type Instruction } from "./image";

/** npm scripts deployment.md runs inside the pods with kubectl exec. */
const OPERATOR_SCRIPTS = ["outbox", "inventory:reconcile", "token"];

const packageJson = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const dockerfile: Instruction[] = parseDockerfile(readFileSync(path.join(ROOT, "Dockerfile"), "utf8"));
const userInstruction = dockerfile.filter((i) => i.keyword === "USER").at(-1);
const imageUid = userInstruction ? Number(userInstruction.args.split(":")[0]) : undefined;

let manifests: Manifests;
let context: CheckContext;
beforeAll(() => {
  manifests = loadManifests();
  context = { scripts: packageJson.scripts, kafkaPartitions: kafkaPartitions(), imageUid };
});

const find = (resources: Resource[], kind: string, name: string) => {
  const found = resources.find((r) => r.kind === kind && r.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} not found`);
  return found;
};
const container = (resources: Resource[], name: string) =>
  find(resources, "Deployment", name).spec.template.spec.containers[0];
/** A deep copy of the manifests with one change. */
const broken = (change: (resources: Resource[]) => void): Manifests => {
  const copy = structuredClone(manifests);
  change(copy.resources);
  return copy;
};

describe("deploy/k8s", () => {
  it("parses, applies every file it has, and names the processes of the distributed mode", () => {
    const kinds = manifests.resources.map((r) => `${r.kind}/${r.metadata.name}`);
    for (const name of Object.keys(PROCESSES)) expect(kinds).toContain(`Deployment/${name}`);
    expect(kinds).toContain("Job/booking-platform-migrate");
    expect(kinds).toContain("ConfigMap/booking-platform-config");
    expect(kinds).toContain("Ingress/booking-platform");
    expect(manifests.secretTemplate.kind).toBe("Secret");
  });

  it("validates against the Kubernetes schema of each kind", () => {
    expect(schemaProblems([...manifests.resources, manifests.secretTemplate])).toEqual([]);
  });

  it("has no field the Kubernetes API does not define (strict)", () => {
    expect(strictProblems([...manifests.resources, manifests.secretTemplate])).toEqual([]);
  }, 60_000);

  it("is consistent: commands, probes, ports, env, secrets, selectors, autoscalers, security", () => {
    expect(context.kafkaPartitions, "numPartitions of the platform's topics, in lib/").toBeGreaterThan(0);
    expect(checkManifests(manifests, context)).toEqual([]);
  });

  it("sets only variables the code reads or the README documents", () => {
    // Some names are built in code (`${name.toUpperCase()}_PORT`); the README lists them all.
    const code = ["lib", "gateway", "subgraphs", "scripts"]
      .flatMap((dir) => listTs(path.join(ROOT, dir)))
      .map((file) => readFileSync(file, "utf8"))
      .concat(readFileSync(path.join(ROOT, "README.md"), "utf8"))
      .join("\n");
    const names = new Set<string>();
    for (const r of manifests.resources) {
      if (r.kind === "ConfigMap") Object.keys(r.data ?? {}).forEach((k) => names.add(k));
      for (const c of r.spec?.template?.spec?.containers ?? []) {
        for (const e of c.env ?? []) names.add(e.name);
      }
    }
    Object.keys(manifests.secretTemplate.stringData ?? {}).forEach((k) => names.add(k));
    const unknown = [...names].filter((name) => name !== "NODE_OPTIONS" && !new RegExp(`\\b${name}\\b`).test(code));
    expect(unknown, "variables no process reads (renamed?)").toEqual([]);
    expect(SECRET_VARIABLES.filter((s) => names.has(s)).sort()).toEqual(
      Object.keys(manifests.secretTemplate.stringData).sort(),
    );
  });

  it("scales workers on metrics the platform exposes, through the adapter rules shipped", () => {
    const code = ["lib", "gateway", "subgraphs"]
      .flatMap((dir) => listTs(path.join(ROOT, dir)))
      .map((file) => readFileSync(file, "utf8"))
      .join("\n");
    const rules = [
      ...(manifests.adapterValues.rules?.custom ?? []),
      ...(manifests.adapterValues.rules?.external ?? []),
    ];
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const series = /^(\w+)\{/.exec(rule.seriesQuery)?.[1];
      expect(code, `metric ${series} of ${rule.name?.as}`).toContain(`"${series}"`);
      expect(rule.metricsQuery).toContain("<<.Series>>{<<.LabelMatchers>>");
    }
  });
});

describe("the manifest checks catch broken manifests", () => {
  const problemsOf = (copy: Manifests) => checkManifests(copy, context);

  it("an unknown or misplaced field (strict schema)", () => {
    const copy = broken((resources) => {
      container(resources, "booking").livenessProbe.httpGet.pathh = "/healthz";
      find(resources, "Deployment", "inventory").spec.template.spec.replicas = 3;
    });
    const problems = strictProblems(copy.resources.filter((r) => r.kind === "Deployment"));
    expect(problems.join("\n")).toMatch(/Deployment booking: .*'pathh' does not exist in type 'HTTPGetAction'/);
    expect(problems.join("\n")).toMatch(/Deployment inventory: .*'replicas' does not exist in type 'PodSpec'/);
  }, 60_000);

  it("a value of the wrong type (schema)", () => {
    const copy = broken((resources) => {
      find(resources, "Deployment", "payment").spec.replicas = "two";
      container(resources, "gateway").ports[0].containerPort = "4000";
    });
    const problems = schemaProblems(copy.resources).join("\n");
    expect(problems).toMatch(/Deployment payment: .*spec\/replicas must be integer/);
    expect(problems).toMatch(/Deployment gateway: .*containerPort must be integer/);
  });

  it("a ConfigMap value that is not a string (schema)", () => {
    const copy = broken((resources) => {
      find(resources, "ConfigMap", "booking-platform-config").data.GATEWAY_PORT = 4000;
    });
    expect(schemaProblems(copy.resources).join("\n")).toMatch(/ConfigMap booking-platform-config: .*GATEWAY_PORT/);
  });

  it("probes on the wrong path or an undeclared port", () => {
    const problems = problemsOf(
      broken((resources) => {
        container(resources, "booking").readinessProbe.httpGet.path = "/healthz";
        container(resources, "payment").livenessProbe.httpGet.port = "metrics";
        delete container(resources, "relay").readinessProbe;
      }),
    );
    expect(problems).toContain("Deployment booking container booking: readinessProbe on /healthz, expected /readyz");
    expect(problems).toContain(
      "Deployment payment container payment: livenessProbe port metrics is not a declared containerPort",
    );
    expect(problems).toContain("Deployment relay container relay: no readinessProbe");
  });

  it("a missing secret, a misspelt key, a secret outside the Secret", () => {
    const problems = problemsOf(
      broken((resources) => {
        const booking = container(resources, "booking");
        booking.env = booking.env.filter((e: { name: string }) => e.name !== "SERVICE_SECRET");
        const payment = container(resources, "payment");
        payment.env.find((e: { name: string }) => e.name === "PAYMENT_WEBHOOK_SECRET").valueFrom.secretKeyRef.key =
          "PAYMENT_WEBHOOK_SECRT";
        find(resources, "ConfigMap", "booking-platform-config").data.DATABASE_URL = "postgres://x@db/booking";
        container(resources, "gateway").env.push({ name: "JWT_SECRET", value: "x".repeat(32) });
      }),
    );
    expect(problems).toContain("Deployment booking container booking: SERVICE_SECRET is not set");
    expect(problems).toContain(
      "Deployment payment container payment: PAYMENT_WEBHOOK_SECRET names a missing key booking-platform-secrets/PAYMENT_WEBHOOK_SECRT",
    );
    expect(problems).toContain("ConfigMap booking-platform-config: DATABASE_URL is a secret; put it in the Secret");
    expect(problems).toContain("Deployment gateway container gateway: JWT_SECRET must come from a secretKeyRef");
  });

  it("a missing ConfigMap key, a port variable that is not the container's port, HOST left on loopback", () => {
    const problems = problemsOf(
      broken((resources) => {
        const config = find(resources, "ConfigMap", "booking-platform-config");
        delete config.data.KAFKA_BROKERS;
        config.data.PAYMENT_PORT = "4005";
        config.data.HOST = "127.0.0.1";
        container(resources, "inventory").env.push({
          name: "REDIS_PREFIX",
          valueFrom: { configMapKeyRef: { name: "booking-platform-config", key: "REDIS_PREFX" } },
        });
      }),
    );
    expect(problems).toContain("Deployment notification container notification: KAFKA_BROKERS is not set");
    expect(problems).toContain(
      "Deployment payment container payment: PAYMENT_PORT=4005 is not a declared containerPort",
    );
    expect(problems).toContain("Deployment gateway container gateway: HOST is not 0.0.0.0");
    expect(problems).toContain(
      "Deployment inventory container inventory: REDIS_PREFIX names a missing key booking-platform-config/REDIS_PREFX",
    );
  });

  it("subgraph URLs that miss their Service or port", () => {
    const problems = problemsOf(
      broken((resources) => {
        const config = find(resources, "ConfigMap", "booking-platform-config");
        config.data.BOOKING_URL = "http://booking:4002/graphql";
        config.data.INVENTORY_INTERNAL_URL = "http://inventroy:4002";
        config.data.PAYMENT_URL = "http://notification:4004/graphql";
      }),
    );
    expect(problems).toContain(
      "ConfigMap booking-platform-config: BOOKING_URL uses port 4002, not a port of Service booking",
    );
    expect(problems).toContain(
      "ConfigMap booking-platform-config: INVENTORY_INTERNAL_URL names inventroy, which is not a Service",
    );
    expect(problems).toContain("ConfigMap booking-platform-config: PAYMENT_URL reaches notification, expected payment");
  });

  it("a Service, disruption budget or Ingress that selects nothing", () => {
    const problems = problemsOf(
      broken((resources) => {
        find(resources, "Service", "inventory").spec.selector["app.kubernetes.io/name"] = "inventroy";
        find(resources, "PodDisruptionBudget", "relay").spec.selector.matchLabels["app.kubernetes.io/name"] = "rely";
        find(resources, "Ingress", "booking-platform").spec.rules[0].http.paths[1].backend.service.port = {
          name: "graphql",
        };
      }),
    );
    expect(problems).toContain("Service inventory: selector matches 0 Deployments, expected 1");
    expect(problems).toContain("Deployment inventory: no Service selects it");
    expect(problems).toContain("PodDisruptionBudget relay: selects 0 Deployments, expected 1");
    expect(problems).toContain('Ingress booking-platform: / → Service gateway has no port {"name":"graphql"}');
  });

  it("autoscalers that target nothing or leave the seed's triggers", () => {
    const problems = problemsOf(
      broken((resources) => {
        find(resources, "HorizontalPodAutoscaler", "gateway").spec.scaleTargetRef.name = "gateway-v2";
        const payment = find(resources, "HorizontalPodAutoscaler", "payment");
        payment.spec.metrics = payment.spec.metrics.filter((m: { type: string }) => m.type !== "External");
        find(resources, "HorizontalPodAutoscaler", "notification").spec.maxReplicas = 10;
        find(resources, "HorizontalPodAutoscaler", "booking").spec.metrics[1].pods.metric.name = "requests_per_second";
      }),
    );
    expect(problems).toContain(
      "HorizontalPodAutoscaler gateway: targets apps/v1 Deployment gateway-v2, which is not a Deployment here",
    );
    expect(problems).toContain("Deployment gateway: no HorizontalPodAutoscaler");
    expect(problems).toContain(
      "HorizontalPodAutoscaler payment: no kafka_consumer_lag metric (seed 003 §6.2: workers scale on lag)",
    );
    expect(problems).toContain(
      `HorizontalPodAutoscaler notification: maxReplicas 10 above the ${context.kafkaPartitions} Kafka partitions (idle consumers)`,
    );
    expect(problems).toContain(
      "HorizontalPodAutoscaler booking: Pods metric requests_per_second is not served by metrics-adapter/prometheus-adapter-values.yaml",
    );
  });

  it("a command that is not the npm script, service links, a short grace period, root", () => {
    const problems = problemsOf(
      broken((resources) => {
        container(resources, "notification").command = ["npm", "run", "start:notifications"];
        delete find(resources, "Deployment", "booking").spec.template.spec.enableServiceLinks;
        find(resources, "Deployment", "gateway").spec.template.spec.terminationGracePeriodSeconds = 10;
        find(resources, "Job", "booking-platform-migrate").spec.template.spec.securityContext.runAsUser = 0;
        container(resources, "relay").securityContext.readOnlyRootFilesystem = false;
        container(resources, "inventory").env.find((e: { name: string }) => e.name === "NODE_OPTIONS").value =
          "--max-old-space-size=700";
      }),
    );
    const packaged = packageJson.scripts["start:notification"];
    expect(problems).toContain(
      `Deployment notification container notification: runs \`npm run start:notifications\`, not npm run start:notification (\`${packaged}\`)`,
    );
    expect(problems).toContain(
      "Deployment booking: enableServiceLinks must be false (service links inject <SERVICE>_PORT=tcp://…)",
    );
    expect(problems).toContain(
      "Deployment gateway container gateway: terminationGracePeriodSeconds 10 ≤ preStop 5 s + shutdown deadline 30 s",
    );
    expect(problems).toContain("Job booking-platform-migrate: runAsUser must be a non-zero uid");
    expect(problems).toContain("Deployment relay container relay: readOnlyRootFilesystem not true");
    expect(problems).toContain(
      "Deployment inventory container inventory: --max-old-space-size=700 leaves less than 20 % of the memory limit",
    );
  });
});

describe("Dockerfile", () => {
  const from = dockerfile.filter((i) => i.keyword === "FROM");

  it("parses into instructions", () => {
    expect(dockerfile.length).toBeGreaterThan(5);
    expect(from.length).toBeGreaterThan(0);
    expect(() => parseDockerfile("FROM node:20\nRUN echo \\\n  hi\nBOGUS x")).toThrow(/line 4: not an instruction/);
    expect(parseDockerfile("FROM a\nRUN one \\\n  # comment\n  two")).toEqual([
      { keyword: "FROM", args: "a", line: 1 },
      { keyword: "RUN", args: "one two", line: 2 },
    ]);
  });

  it("builds on a pinned Node.js 20 slim image", () => {
    for (const stage of from) {
      const image = stage.args.split(/\s+/).find((p) => !p.startsWith("--"))!;
      if (from.some((f) => new RegExp(`\\sAS\\s+${image}$`, "i").test(f.args))) continue; // an earlier stage
      expect(image).toMatch(/^node:20\.\d+\.\d+-(bookworm|trixie|bullseye)-slim(@sha256:[0-9a-f]{64})?$/);
    }
  });

  it("installs exactly the lockfile's runtime dependencies", () => {
    const copyLock = dockerfile.findIndex((i) => copySources(i)?.sources.includes("package-lock.json"));
    const install = dockerfile.findIndex((i) => i.keyword === "RUN" && /\bnpm ci\b/.test(i.args));
    expect(copyLock, "COPY package-lock.json").toBeGreaterThanOrEqual(0);
    expect(install, "RUN npm ci").toBeGreaterThan(copyLock);
    expect(dockerfile[install].args).toMatch(/--omit=dev/);
    expect(dockerfile.some((i) => i.keyword === "RUN" && /\bnpm (install|i)\b/.test(i.args))).toBe(false);
    // The source comes after the install, so that a code change keeps the dependency layer.
    const firstSource = dockerfile.findIndex((i) => copySources(i)?.sources.includes("lib"));
    expect(firstSource).toBeGreaterThan(install);
  });

  it("runs as a numeric non-root user and bakes in no secret", () => {
    expect(userInstruction, "USER").toBeDefined();
    expect(userInstruction!.args).toMatch(/^\d+(:\d+)?$/);
    expect(imageUid).not.toBe(0);
    expect(dockerfile.at(-1)!.line).toBeGreaterThan(userInstruction!.line);
    const settings = dockerfile.filter((i) => i.keyword === "ENV" || i.keyword === "ARG").map((i) => i.args);
    for (const secret of SECRET_VARIABLES) {
      expect(settings.join("\n")).not.toMatch(new RegExp(`\\b${secret}\\b`));
    }
    const copied = dockerfile.flatMap((i) => copySources(i)?.sources ?? []);
    expect(copied.filter((s) => /(^|\/)\.env|secret/i.test(s))).toEqual([]);
    expect(copied).not.toContain(".");
  });

  it("starts a service the way its npm script does", () => {
    const cmd = execForm(dockerfile.find((i) => i.keyword === "CMD")!.args)!;
    expect(cmd.slice(0, 3)).toEqual(["node", "--import", "tsx"]);
    expect(Object.values(packageJson.scripts)).toContain(`tsx ${cmd.slice(3).join(" ")}`);
    expect(dockerfile.some((i) => i.keyword === "ENTRYPOINT")).toBe(false);
  });

  it("contains every file the processes load, and they import only runtime dependencies", () => {
    const ignored = dockerignore(readFileSync(path.join(ROOT, ".dockerignore"), "utf8"));
    const copied = dockerfile.flatMap((i) => copySources(i)?.sources ?? []);
    const inImage = (file: string) =>
      copied.some((source) => file === source || file.startsWith(`${source}/`)) && !ignored(file);
    // The scripts the containers run (node --import tsx <script> …).
    const entries = new Set<string>();
    for (const r of manifests.resources) {
      for (const c of r.spec?.template?.spec?.containers ?? []) entries.add(c.command[3]);
    }
    entries.add(execForm(dockerfile.find((i) => i.keyword === "CMD")!.args)![3]);
    // Operator commands run in the pods too (kubectl exec … node --import tsx scripts/outbox.ts status).
    for (const script of OPERATOR_SCRIPTS) {
      const body = packageJson.scripts[script];
      if (body) entries.add(body.split(" ")[1]);
    }
    const graph = importGraph([...entries]);
    expect(graph.unresolved).toEqual([]);
    expect(graph.files.size).toBeGreaterThan(20);
    expect([...graph.files].filter((file) => !inImage(file))).toEqual([]);
    for (const runtimeFile of ["tsconfig.json", "package.json", "schema/supergraph.graphql", "drizzle/booking"]) {
      expect(inImage(runtimeFile), runtimeFile).toBe(true);
    }
    const notRuntime = [...graph.packages].filter(([name]) => !(name in packageJson.dependencies));
    expect(
      notRuntime.map(([name, importer]) => `${importer} imports ${name}`),
      "imported at run time but not a dependency (npm ci --omit=dev leaves it out)",
    ).toEqual([]);
    expect(graph.packages.has("tsx") || "tsx" in packageJson.dependencies).toBe(true);
  });

  it("keeps tests, local state and dependencies out of the build context", () => {
    const ignored = dockerignore(readFileSync(path.join(ROOT, ".dockerignore"), "utf8"));
    for (const file of [
      "node_modules/x/index.js",
      ".git/HEAD",
      "test/e2e/a.test.ts",
      "lib/core/auth.test.ts",
      ".data/db",
    ]) {
      expect(ignored(file), file).toBe(true);
    }
    for (const file of [
      "lib/core/auth.ts",
      "drizzle/booking/0000_init.sql",
      "schema/supergraph.graphql",
      "package.json",
    ]) {
      expect(ignored(file), file).toBe(false);
    }
  });
});
