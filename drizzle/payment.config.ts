import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./subgraphs/payment/payment.tables.ts",
  out: "./drizzle/payment",
  schemaFilter: ["payment"],
  migrations: { schema: "drizzle", table: "payment_migrations" },
});
