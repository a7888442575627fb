import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { GraphQLDateTimeISO } from "graphql-scalars";
import type { DocumentNode, GraphQLInputType, GraphQLSchema, Kind, OperationDefinitionNode, ValueNode } from "graphql";
import { httpError } from "../lib/core/errors";
import { graphqlCjs } from "../lib/graphql/graphql-cjs";

/** Bounds on what one argument value may be; larger values are refused before any subgraph is called. */
const INPUT_LIMITS = {
  /** Characters in one string (the longest field the API stores is 1,000 characters of notes). */
  maxStringLength: 10_000,
  /** Items in one list argument. */
  maxListLength: 1_000,
};

/**
 * Scalars the gateway checks itself, with the subgraphs' own parser: the supergraph only names
 * custom scalars, so without this a malformed date travels to a subgraph and comes back as a
 * failed subgraph request instead of a client error.
 */
const SCALAR_PARSERS: Record<string, (value: unknown) => unknown> = {
  DateTimeISO: (value) => GraphQLDateTimeISO.parseValue(value),
};
const SCALAR_HINTS: Record<string, string> = {
  DateTimeISO: "an ISO 8601 date-time such as 2027-05-01T19:30:00Z",
};

/** NUL cannot be stored by PostgreSQL; a lone UTF-16 surrogate is not text. */
const BAD_CHARACTER = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const refuse = (field: string, message: string) => httpError("BAD_USER_INPUT", `${field}: ${message}`, 400, { field });

function checkString(field: string, value: string) {
  if (value.length > INPUT_LIMITS.maxStringLength)
    throw refuse(field, `at most ${INPUT_LIMITS.maxStringLength} characters`);
  if (BAD_CHARACTER.test(value)) throw refuse(field, "contains a NUL character or an unpaired surrogate");
}

/** A custom scalar's value (any JSON shape, as the supergraph does not constrain it). */
function checkScalar(field: string, value: unknown, scalar: string) {
  const parse = SCALAR_PARSERS[scalar];
  if (!parse || value === null || value === undefined) return;
  try {
    parse(value);
  } catch {
    throw refuse(field, `must be ${SCALAR_HINTS[scalar]}`);
  }
}

/**
 * The size bounds alone, on raw variables before any type is known: the cost estimate coerces
 * variables with graphql-js, which makes one GraphQLError (with a source-mapped stack) per bad
 * list item and has no error limit there — 100,000 nulls in a list of non-null items held the
 * event loop for 74 s. Checked first, such a request is refused in under a millisecond.
 */
export function checkVariableSizes(variables: unknown): void {
  if (!variables || typeof variables !== "object" || Array.isArray(variables)) return;
  const walk = (field: string, value: unknown): void => {
    if (typeof value === "string") {
      if (value.length > INPUT_LIMITS.maxStringLength)
        throw refuse(field, `at most ${INPUT_LIMITS.maxStringLength} characters`);
    } else if (Array.isArray(value)) {
      if (value.length > INPUT_LIMITS.maxListLength) throw refuse(field, `at most ${INPUT_LIMITS.maxListLength} items`);
      value.forEach((item, i) => walk(`${field}[${i}]`, item));
    } else if (value && typeof value === "object") {
      for (const [name, fieldValue] of Object.entries(value)) walk(`${field}.${name.slice(0, 100)}`, fieldValue);
    }
  };
  for (const [name, value] of Object.entries(variables)) walk(`$${name.slice(0, 100)}`, value);
}

/** Walks a variable's value along its declared type. */
function checkValue(field: string, value: unknown, type: GraphQLInputType): void {
  const { isNonNullType, isListType, isInputObjectType, isScalarType } = graphqlCjs;
  if (value === null || value === undefined) return;
  if (isNonNullType(type)) return checkValue(field, value, type.ofType);
  if (isListType(type)) {
    const items = Array.isArray(value) ? value : [value];
    if (items.length > INPUT_LIMITS.maxListLength) throw refuse(field, `at most ${INPUT_LIMITS.maxListLength} items`);
    items.forEach((item, i) => checkValue(`${field}[${i}]`, item, type.ofType));
    return;
  }
  if (isInputObjectType(type)) {
    if (typeof value !== "object" || Array.isArray(value)) return; // graphql-js reports the type error
    const fields = type.getFields();
    for (const [name, fieldValue] of Object.entries(value as Record<string, unknown>)) {
      // Refused here, once: graphql-js would report every unknown field with the whole value
      // quoted in each message, so an object with thousands of keys made an answer of gigabytes.
      if (!fields[name]) throw refuse(`${field}.${name.slice(0, 100)}`, `is not a field of ${type.name}`);
      checkValue(`${field}.${name}`, fieldValue, fields[name].type);
    }
    return;
  }
  if (isScalarType(type)) checkScalar(field, value, type.name);
  if (typeof value === "string") checkString(field, value);
}

/** Checks the literal values written in the document (inline arguments). */
function checkLiterals(schema: GraphQLSchema, document: DocumentNode) {
  const {
    TypeInfo,
    visit,
    visitWithTypeInfo,
    getNamedType,
    isListType,
    isNonNullType,
    isScalarType,
    valueFromASTUntyped,
  } = graphqlCjs;
  const typeInfo = new TypeInfo(schema);
  const path: string[] = [];
  const fieldName = () => path.join(".") || "argument";
  /** A literal in the position of a custom scalar (or a list of them) goes through the scalar's parser. */
  const checkScalarLiteral = (node: ValueNode) => {
    let type = typeInfo.getInputType();
    if (!type || node.kind === "Variable") return;
    if (isNonNullType(type)) type = type.ofType;
    const named = getNamedType(type);
    if (!isScalarType(named) || !SCALAR_PARSERS[named.name]) return;
    const value = valueFromASTUntyped(node as never);
    const items = isListType(type) && Array.isArray(value) ? value : [value];
    for (const item of items) checkScalar(fieldName(), item, named.name);
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument: {
        enter: (node) => {
          path.push(node.name.value);
          checkScalarLiteral(node.value);
        },
        leave: () => void path.pop(),
      },
      ObjectField: {
        enter: (node) => {
          path.push(node.name.value);
          checkScalarLiteral(node.value);
        },
        leave: () => void path.pop(),
      },
      StringValue(node) {
        checkString(fieldName(), node.value);
      },
      ListValue(node: ValueNode & { kind: typeof Kind.LIST }) {
        if (node.values.length > INPUT_LIMITS.maxListLength)
          throw refuse(fieldName(), `at most ${INPUT_LIMITS.maxListLength} items`);
      },
    }),
  );
}

/**
 * Request checks that turn client mistakes into 400s with a useful code before anything is
 * planned or sent to a subgraph (GraphQL over HTTP: request errors are the client's):
 * - no operation to run (several without `operationName`, or an unknown name);
 * - a subscription sent as a plain request (they are served over WebSocket and SSE);
 * - strings with NUL or unpaired surrogates, oversized strings and lists, malformed dates —
 *   in variables and in inline arguments alike.
 */
export function inputGuardPlugin<T extends BaseContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, operation, document, schema }) {
          if (!operation) {
            const named = request.operationName;
            const count = document.definitions.filter((d) => d.kind === "OperationDefinition").length;
            const message = named
              ? `Unknown operation named "${named}"`
              : count > 1
                ? "The document has several operations: say which to run with operationName"
                : "The document has no operation to run";
            throw httpError("OPERATION_RESOLUTION_FAILURE", message, 400);
          }
          if (operation.operation === "subscription") {
            throw httpError(
              "BAD_REQUEST",
              "Subscriptions are served over WebSocket (graphql-transport-ws) or Server-Sent Events " +
                "(Accept: text/event-stream) on this URL, not as a plain request",
              400,
            );
          }
          checkVariables(schema, operation, request.variables ?? {});
          checkLiterals(schema, document);
        },
      };
    },
  };
}

function checkVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>) {
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = graphqlCjs.typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
    if (type && name in variables) checkValue(`$${name}`, variables[name], type);
  }
}
