import { defineConfig } from "vitest/config";

/**
 * Three projects: unit tests next to the code, integration tests against the database and
 * brokers, end-to-end tests through the gateway over real HTTP. Integration and e2e use
 * PostgreSQL, Redis and Kafka when DATABASE_URL, REDIS_URL and KAFKA_BROKERS are set, and the
 * embedded backends otherwise; with CI=true a missing URL fails the run (test/support/global-setup.ts).
 */
export default defineConfig({
  test: {
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/setup.ts"],
    reporters: ["default"],
    // Two files at a time: the suite is mostly waiting on services, and a clean-clone CI run on a
    // two-core machine took 980 s with 2 workers against 1,637 s with vitest's default of 1 here.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{lib,launcher,gateway,subgraphs,scripts}/**/*.test.ts", "test/deploy/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 90_000 },
      },
    ],
  },
});
