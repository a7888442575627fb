import { createRequire } from "node:module";

/**
 * The graphql instance the gateway's schema belongs to. @apollo/gateway is CommonJS and loads
 * graphql's CommonJS build, while our ES modules import its ES build: two copies, and graphql
 * refuses a schema from the other one. Everything that takes the gateway's schema (validation,
 * argument coercion) uses this instance.
 */
export const graphqlForGatewaySchema = createRequire(import.meta.url)("graphql") as typeof import("graphql");
