import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Types for every operation in lib/operations.ts, from the platform's public schema
 * (schema/api.graphql, written by `npm run compose` at the top level). `npm run codegen`
 * rewrites gql/; the output is committed so `next build` needs no code generator.
 */
const config: CodegenConfig = {
  schema: "../schema/api.graphql",
  documents: ["lib/operations.ts"],
  generates: {
    "./gql/": {
      preset: "client",
      config: { scalars: { DateTimeISO: "string" }, enumsAsTypes: true, useTypeImports: true },
      presetConfig: { fragmentMasking: false },
    },
  },
  ignoreNoDocuments: false,
};
export default config;
