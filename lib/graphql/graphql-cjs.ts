import { createRequire } from "node:module";

/**
 * graphql's CommonJS copy: the one Apollo's packages (gateway, composition) load. Our ES modules
 * import its ES build, and graphql refuses a schema built by the other copy. Whatever takes a
 * schema those packages built (the gateway's API schema, composition's result) uses this one.
 */
export const graphqlCjs = createRequire(import.meta.url)("graphql") as typeof import("graphql");
