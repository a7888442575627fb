import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./subgraphs/inventory/inventory.tables.ts",
  out: "./drizzle/inventory",
  schemaFilter: ["inventory"],
  migrations: { schema: "drizzle", table: "inventory_migrations" },
});
