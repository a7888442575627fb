import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./subgraphs/booking/booking.tables.ts",
  out: "./drizzle/booking",
  schemaFilter: ["booking"],
  migrations: { schema: "drizzle", table: "booking_migrations" },
});
