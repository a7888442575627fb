import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { GraphQLError, GraphQLFormattedError, ValidationRule } from "graphql";
import { graphqlCjs } from "../lib/graphql/graphql-cjs";

/**
 * How much of the schema an anonymous caller may learn: introspection (`__schema`, `__type`)
 * and the "Did you mean …?" hints graphql-js adds to errors, which reveal field, argument,
 * type and enum names even with introspection off. Both default to on in the embedded mode
 * and off with real backends (gateway/config.ts).
 */
export interface SchemaVisibility {
  introspection: boolean;
  suggestions: boolean;
}

/** graphql-js ends a message with its hint: `… Did you mean "venue" or "venues"?` */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

export const withoutSuggestions = (message: string) => message.replace(SUGGESTION, "");

/** Rewrites the message of every error of every answer that `rewrite` returns a new one for. */
function errorMessagePlugin<T extends BaseContext>(
  rewrite: (error: GraphQLFormattedError) => string | null,
): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== "single" || !response.body.singleResult.errors) return;
          response.body.singleResult.errors = response.body.singleResult.errors.map((error) => {
            const message = rewrite(error);
            return message === null ? error : { ...error, message };
          });
        },
      };
    },
  };
}

/**
 * Removes the hints from every error of every answer (validation, variable coercion,
 * execution). Apollo Server's own `hideSchemaDetailsFromClientErrors` covers validation
 * errors only, and graphql-armor's block-field-suggestions does the same masking for envelop
 * servers; this is the same rewrite applied once, where every answer passes.
 */
export const hideSuggestionsPlugin = <T extends BaseContext>() =>
  errorMessagePlugin<T>((error) => (error.message.includes("Did you mean") ? withoutSuggestions(error.message) : null));

/** Apollo's refusal tells the reader to change code; ours names the setting. */
export const introspectionMessagePlugin = <T extends BaseContext>() =>
  errorMessagePlugin<T>((error) =>
    error.extensions?.validationErrorCode === "INTROSPECTION_DISABLED"
      ? "Introspection is disabled on this gateway (INTROSPECTION=true enables it)"
      : null,
  );

/**
 * Validation for the WebSocket and SSE transports, which validate documents themselves: the
 * specified rules, no introspection when it is off, and no hints in the messages when
 * suggestions are off. (Their queries and mutations then run through Apollo Server, which
 * applies the same settings again.)
 */
export function transportValidation(visibility: SchemaVisibility) {
  const { specifiedRules, NoSchemaIntrospectionCustomRule } = graphqlCjs;
  const rules: readonly ValidationRule[] = visibility.introspection
    ? specifiedRules
    : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  return (...[schema, document]: Parameters<typeof graphqlCjs.validate>): readonly GraphQLError[] => {
    const errors = graphqlCjs.validate(schema, document, rules);
    if (visibility.suggestions) return errors;
    for (const error of errors) error.message = withoutSuggestions(error.message);
    return errors;
  };
}
