import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { Counter, Histogram, type Registry } from "prom-client";
import { ERROR_CODES, REQUEST_ERROR_CODES_LIST } from "../lib/core/errors";

/**
 * Per-operation metrics at the gateway (issue 18):
 *
 * - `graphql_operations_total{operation_name, operation_type, outcome}`
 * - `graphql_operation_duration_seconds{operation_name, operation_type}` (histogram)
 *
 * Every label has a bounded set of values, whatever clients send:
 * - `operation_name`: the operation's name when it is a plain GraphQL name of at most 64
 *   characters, and only for the first `maxOperationNames` distinct names of valid operations
 *   this process saw; later names and malformed ones are "other", nameless operations
 *   "anonymous", and "unknown" when the document did not parse or validate (and the request
 *   named no operation).
 * - `operation_type`: query, mutation, subscription, or "unknown" (the document did not parse
 *   or name no runnable operation).
 * - `outcome`: "ok", or the first error's `extensions.code` when it is one of the codes the
 *   platform or graphql-js/Apollo produce (lib/core/errors.ts), else "other".
 *
 * The payload queries of subscription pushes run through the same server and are counted under
 * their own name, `LiveUpdate` (gateway/subscriptions/plan.ts).
 */
export const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const DEFAULT_MAX_OPERATION_NAMES = 200;

const KNOWN_CODES = new Set<string>([...ERROR_CODES, ...REQUEST_ERROR_CODES_LIST]);
const OPERATION_TYPES = new Set(["query", "mutation", "subscription"]);

/** Seconds buckets of `graphql_operation_duration_seconds`, 5 ms to 10 s. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Maps client-chosen operation names to a bounded set of label values. A name takes one of the
 * `maxNames` places only with `admit` (the gateway admits names of operations that parsed and
 * validated, so malformed requests cannot use the places up).
 */
export function operationNameLabeller(maxNames = DEFAULT_MAX_OPERATION_NAMES) {
  const seen = new Set<string>();
  return (name: string | null | undefined, admit = true): string => {
    if (!name) return "anonymous";
    if (seen.has(name)) return name;
    if (!admit || !OPERATION_NAME.test(name) || seen.size >= maxNames) return "other";
    seen.add(name);
    return name;
  };
}

/** The outcome label of an answer: "ok", a known error code, or "other". */
export function outcomeOf(errors: readonly { extensions?: Record<string, unknown> }[] | undefined): string {
  if (!errors?.length) return "ok";
  const code = errors[0].extensions?.code;
  return typeof code === "string" && KNOWN_CODES.has(code) ? code : "other";
}

export function operationMetricsPlugin<T extends BaseContext>(
  registry: Registry,
  options: { maxOperationNames?: number } = {},
): ApolloServerPlugin<T> {
  const operations = new Counter({
    name: "graphql_operations_total",
    help: "GraphQL operations the gateway answered, by operation name (bounded: 'anonymous', 'other' past the cap), type and outcome ('ok' or the first error's code)",
    labelNames: ["operation_name", "operation_type", "outcome"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "graphql_operation_duration_seconds",
    help: "Time from an operation's arrival at the gateway's GraphQL server to its answer",
    labelNames: ["operation_name", "operation_type"],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const labelName = operationNameLabeller(options.maxOperationNames);
  return {
    async requestDidStart({ request }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, operation, operationName }) {
          const body = response.body;
          const errors = body.kind === "single" ? body.singleResult.errors : body.initialResult.errors;
          const type = operation?.operation;
          const labels = {
            // An operation that did not parse or validate has no name unless the request gave one.
            operation_name:
              operation || request.operationName
                ? labelName(operationName ?? request.operationName, operation !== undefined)
                : "unknown",
            operation_type: type && OPERATION_TYPES.has(type) ? type : "unknown",
          };
          operations.inc({ ...labels, outcome: outcomeOf(errors) });
          duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}
