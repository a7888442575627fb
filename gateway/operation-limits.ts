import { createRequire } from "node:module";
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import {
  GraphQLError,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
} from "graphql";
import { httpError } from "../lib/core/errors";
import { graphqlCjs } from "../lib/graphql/graphql-cjs";
import { HttpError } from "../lib/http/server";
import { checkVariableSizes } from "./input-guard";
import { NOT_LISTED_CODE, trustedQueryOf, type TrustedDocuments } from "./trusted-documents";

// The gateway's schema is built by graphql's CommonJS copy (lib/graphql/graphql-cjs.ts), so the rules
// that walk it are loaded through require as well.
const require = createRequire(import.meta.url);
const { maxDepthRule } =
  require("@escape.tech/graphql-armor-max-depth") as typeof import("@escape.tech/graphql-armor-max-depth");
const { maxAliasesRule } =
  require("@escape.tech/graphql-armor-max-aliases") as typeof import("@escape.tech/graphql-armor-max-aliases");
const { maxDirectivesRule } =
  require("@escape.tech/graphql-armor-max-directives") as typeof import("@escape.tech/graphql-armor-max-directives");
const { getComplexity } = require("graphql-query-complexity") as typeof import("graphql-query-complexity");

/**
 * What one operation may ask for. The defaults pass every example operation of the explorer
 * and the README (the largest, `venues { slots { zones { … price { … } } } }`, is estimated at
 * 10,550) and refuse the shapes that stalled the gateway: a slot → zones → slot … chain,
 * depth 60, 1,000 aliases, `venues(first: 100)` with nested lists under many aliases.
 */
export interface OperationLimits {
  /** Nesting of fields (introspection excluded). */
  maxDepth: number;
  /** Aliased fields in the operation, fragments included. */
  maxAliases: number;
  /** Directives in the operation. */
  maxDirectives: number;
  /** Lexical tokens in the document (graphql-js stops parsing past it). */
  maxTokens: number;
  /** How often one object type may appear along one path (`slot { zones { slot { zones … } } }`). */
  maxTypeRepeats: number;
  /** Estimated objects the operation returns: each list counts `first` times, or `listSize`. */
  maxCost: number;
  /** Assumed length of a list field that takes no `first` argument. */
  listSize: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 20,
  maxTokens: 2_000,
  maxTypeRepeats: 2,
  maxCost: 20_000,
  listSize: 10,
};

/** Fields visited at most while checking repeats: fragments spread in fragments multiply. */
const MAX_NODES = 10_000;

const tooComplex = (message: string, details: Record<string, unknown> = {}) =>
  httpError("OPERATION_TOO_COMPLEX", message, 400, details);

export interface OperationLimiter {
  readonly limits: OperationLimits;
  /**
   * Parses `source` within the token limit: a document, `null` if it is not valid GraphQL
   * (the caller reports the syntax error as it always does). Throws OPERATION_TOO_COMPLEX.
   */
  parse(source: string): DocumentNode | null;
  /** Throws OPERATION_TOO_COMPLEX (HTTP 400) when the operation exceeds a limit. */
  check(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null, variables?: unknown): void;
}

/**
 * Depth, aliases and directives are graphql-armor's rules; the cost estimate is
 * graphql-query-complexity with an estimator that multiplies lists by their `first` argument.
 * The type-repeat walk is ours: neither library bounds a cycle between two types, and
 * `slot { zones { slot { zones { slot { zones } } } } }` on a slot of 38 zones is 55k objects
 * at depth 6 (7.4 s of gateway time while the list estimate, 10 zones a list, says 1,110).
 */
export function createOperationLimiter(limits: OperationLimits = DEFAULT_OPERATION_LIMITS): OperationLimiter {
  const shapeRules: ValidationRule[] = [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true }) as unknown as ValidationRule,
    // graphql-armor lets `__typename` aliases through by default; 600 of them are still 600 fields.
    maxAliasesRule({ n: limits.maxAliases, allowList: [] }) as unknown as ValidationRule,
    maxDirectivesRule({ n: limits.maxDirectives }) as unknown as ValidationRule,
  ];

  const listCost = ({
    field,
    args,
    childComplexity,
  }: {
    field: { name: string; type: unknown };
    args: Record<string, unknown>;
    childComplexity: number;
  }): number => {
    if (field.name.startsWith("__")) return 0;
    const { getNullableType, isListType, isCompositeType, getNamedType } = graphqlCjs;
    const type = getNullableType(field.type as never);
    const isObject = isCompositeType(getNamedType(type as never));
    if (isListType(type)) {
      const first = typeof args.first === "number" && args.first >= 0 ? args.first : limits.listSize;
      return first * ((isObject ? 1 : 0) + childComplexity);
    }
    // A connection: its `first` multiplies what is under `edges`.
    if (typeof args.first === "number" && args.first >= 0) return 1 + args.first * childComplexity;
    return (isObject ? 1 : 0) + childComplexity;
  };

  function checkRepeats(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): void {
    const { getNamedType, isCompositeType, isObjectType, isInterfaceType, Kind } = graphqlCjs;
    const operation = graphqlCjs.getOperationAST(document, operationName ?? undefined);
    if (!operation) return;
    const fragments = new Map(
      document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
    );
    const root = schema.getRootType(operation.operation);
    if (!root) return;
    let nodes = 0;
    const walk = (
      set: SelectionSetNode,
      parent: GraphQLCompositeType,
      seen: Map<string, number>,
      active: Set<string>,
    ): void => {
      for (const selection of set.selections) {
        if (++nodes > MAX_NODES) throw tooComplex(`Operation too complex: more than ${MAX_NODES} fields to check`);
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value.startsWith("__") || !selection.selectionSet) continue;
          if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
          const field = parent.getFields()[selection.name.value];
          if (!field) continue; // validation reports it
          const type = getNamedType(field.type);
          if (!isCompositeType(type)) continue;
          const count = (seen.get(type.name) ?? 0) + 1;
          if (count > limits.maxTypeRepeats) {
            throw tooComplex(
              `Operation too complex: ${type.name} appears more than ${limits.maxTypeRepeats} times along one path ` +
                `(at ${selection.name.value}); query it once and reuse what you have`,
              { limit: "maxTypeRepeats", max: limits.maxTypeRepeats },
            );
          }
          walk(selection.selectionSet, type, new Map(seen).set(type.name, count), active);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          if (condition && isCompositeType(condition)) walk(selection.selectionSet, condition, seen, active);
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || active.has(name)) continue; // unknown or cyclic: validation reports it
          const condition = schema.getType(fragment.typeCondition.name.value);
          if (condition && isCompositeType(condition)) {
            walk(fragment.selectionSet, condition, seen, new Set(active).add(name));
          }
        }
      }
    };
    walk(operation.selectionSet, root, new Map(), new Set());
  }

  /**
   * The same documents arrive again and again (an app sends a handful of operations), and the
   * checks were ~8 % of the gateway's CPU in a reservation profile (run twice per HTTP request:
   * the pre-check and the plugin). Parsed texts are kept (bounded), and per schema and document
   * the verdict is kept: a refusal, or the estimated cost when no variable can change it (no
   * `first: $var`, no `@skip/@include(if: $var)`); otherwise only the cost is estimated again.
   */
  const parsed = new Map<string, DocumentNode>();
  const MAX_PARSED = 500;
  const verdicts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Verdict>>>();

  function usesCostVariables(document: DocumentNode): boolean {
    let uses = false;
    graphqlCjs.visit(document, {
      Argument(node, _key, _parent, _path, ancestors) {
        if (node.value.kind !== graphqlCjs.Kind.VARIABLE) return;
        const owner = ancestors[ancestors.length - 1] as { kind?: string; name?: { value: string } } | undefined;
        const isDirective = owner?.kind === graphqlCjs.Kind.DIRECTIVE;
        if (node.name.value === "first" || (isDirective && ["skip", "include"].includes(owner!.name!.value))) {
          uses = true;
        }
      },
    });
    return uses;
  }

  function estimate(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: unknown,
  ): number | null {
    try {
      return getComplexity({
        schema,
        query: document,
        operationName: operationName ?? undefined,
        variables: (variables ?? {}) as Record<string, unknown>,
        estimators: [listCost as never],
        maxQueryNodes: MAX_NODES,
      });
    } catch (error) {
      if (/query nodes/i.test((error as Error).message)) {
        throw tooComplex(`Operation too complex: more than ${MAX_NODES} fields to evaluate`);
      }
      return null; // variables that do not fit the operation: validation reports them
    }
  }

  function checkCost(cost: number | null): void {
    if (cost !== null && cost > limits.maxCost) {
      throw tooComplex(
        `Operation too complex: estimated ${cost} objects, at most ${limits.maxCost}; ` +
          `ask for fewer items (first) or fewer nested lists`,
        { limit: "maxCost", max: limits.maxCost, cost },
      );
    }
  }

  /** Everything but the variable-dependent cost; throws the refusal. */
  function checkShape(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): void {
    let problem: GraphQLError | undefined;
    try {
      const shape = graphqlCjs.validate(schema, document, shapeRules, { maxErrors: 1 }) as GraphQLError[];
      problem = shape.find((e) => !/Validation aborted/.test(e.message));
    } catch (error) {
      problem = error as GraphQLError; // graphql-armor throws its refusal (propagateOnRejection)
    }
    if (problem) {
      throw tooComplex(`Operation too complex: ${problem.message.replace(/^Syntax Error:\s*/, "")}`);
    }
    checkRepeats(schema, document, operationName);
  }

  return {
    limits,
    parse(source) {
      const known = parsed.get(source);
      if (known) return known;
      try {
        const document = graphqlCjs.parse(source, { maxTokens: limits.maxTokens });
        if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
        parsed.set(source, document);
        return document;
      } catch (error) {
        if (/tokens\. Parsing aborted/i.test((error as Error).message)) {
          throw tooComplex(`Operation too complex: more than ${limits.maxTokens} tokens`, {
            limit: "maxTokens",
            max: limits.maxTokens,
          });
        }
        return null;
      }
    },
    check(schema, document, operationName, variables) {
      checkVariableSizes(variables);
      let byDocument = verdicts.get(schema);
      if (!byDocument) verdicts.set(schema, (byDocument = new WeakMap()));
      let byOperation = byDocument.get(document);
      if (!byOperation) byDocument.set(document, (byOperation = new Map()));
      const key = operationName ?? "";
      let verdict = byOperation.get(key);
      if (!verdict) {
        try {
          checkShape(schema, document, operationName);
          // A cost estimated with variables that do not fit (null) is not kept: the next request's may.
          const cost = usesCostVariables(document) ? null : estimate(schema, document, operationName, variables);
          verdict = cost === null ? { kind: "variable-cost" } : { kind: "cost", cost };
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          verdict = { kind: "refused", error };
        }
        byOperation.set(key, verdict);
      }
      if (verdict.kind === "refused") throw verdict.error;
      checkCost(verdict.kind === "cost" ? verdict.cost : estimate(schema, document, operationName, variables));
    },
  };
}

type Verdict =
  { kind: "refused"; error: GraphQLError } | { kind: "cost"; cost: number | null } | { kind: "variable-cost" };

/**
 * The HTTP check, before Apollo parses and validates: graphql-js's overlapping-fields rule is
 * quadratic in repeated fields (1,000 copies of one alias took 700 ms to validate), and a throw
 * in Apollo's hooks before validation becomes a 500. Reads the query text of a POST body or a
 * GET query string; a request without text (a persisted-query hash) is left to the plugin.
 */
export function httpOperationCheck(
  limiter: OperationLimiter,
  schema: () => GraphQLSchema,
  trusted: TrustedDocuments | null = null,
) {
  const json = (text: string | null) => {
    try {
      return text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      return undefined; // Apollo reports malformed JSON parameters
    }
  };
  return ({ method, search, body }: { method: string; search: URLSearchParams; body: unknown }): void => {
    let params: Record<string, unknown> = {};
    if (method === "GET") {
      params = {
        query: search.get("query") ?? undefined,
        documentId: search.get("documentId") ?? undefined,
        operationName: search.get("operationName") ?? undefined,
        variables: json(search.get("variables")),
        extensions: json(search.get("extensions")),
      };
    } else if (body && typeof body === "object" && !Array.isArray(body)) {
      params = body as Record<string, unknown>;
    }
    // Trusted documents first: an unlisted document is refused without being parsed, and a
    // listed id is checked as the text it stands for.
    const resolved = trustedQueryOf(trusted, params);
    if ("refused" in resolved) throw new HttpError(400, resolved.refused, NOT_LISTED_CODE);
    const { query } = resolved;
    if (typeof query !== "string") return;
    const operationName = typeof params.operationName === "string" ? params.operationName : null;
    try {
      const document = limiter.parse(query);
      if (document) limiter.check(schema(), document, operationName, params.variables);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const { code, http: _http, ...details } = error.extensions;
      throw new HttpError(400, error.message, String(code), details);
    }
  };
}

/**
 * Checks every operation Apollo runs once it is resolved, with its variables: requests that
 * named their document by hash (persisted queries, trusted documents) and operations the
 * subscription transports execute. Throwing here is a 400 with the error's code.
 */
export function operationLimitsPlugin<T extends BaseContext>(limiter: OperationLimiter): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, schema, request }) {
          limiter.check(schema, document, request.operationName, request.variables);
        },
      };
    },
  };
}
