import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./subgraphs/notification/notification.tables.ts",
  out: "./drizzle/notification",
  schemaFilter: ["notification"],
  migrations: { schema: "drizzle", table: "notification_migrations" },
});
