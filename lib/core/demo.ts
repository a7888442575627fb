import type { Role } from "./auth";

/**
 * Demo data shared by the subgraphs' seeders and the launcher. Fixed ids, so seeding twice
 * changes nothing and the printed tokens match the seeded owners.
 */
export const DEMO_USERS: Record<
  "guest" | "organizer" | "admin",
  { userId: string; role: Role; name: string; email: string }
> = {
  guest: {
    userId: "7c0d6a0e-2f55-4d8c-9d5e-000000000001",
    role: "GUEST",
    name: "Grace Guest",
    email: "grace@example.com",
  },
  organizer: {
    userId: "7c0d6a0e-2f55-4d8c-9d5e-000000000002",
    role: "ORGANIZER",
    name: "Oscar Organizer",
    email: "oscar@example.com",
  },
  admin: { userId: "7c0d6a0e-2f55-4d8c-9d5e-000000000003", role: "ADMIN", name: "Ada Admin", email: "ada@example.com" },
};

export const DEMO_IDS = {
  theatre: "5b0e6d1c-0000-4000-8000-000000000001",
  bistro: "5b0e6d1c-0000-4000-8000-000000000002",
  hotel: "5b0e6d1c-0000-4000-8000-000000000003",
  hamletShow: "5b0e6d1c-0000-4000-8000-000000000011",
  hamletMatinee: "5b0e6d1c-0000-4000-8000-000000000012",
  dinnerSitting: "5b0e6d1c-0000-4000-8000-000000000013",
  hotelNight: "5b0e6d1c-0000-4000-8000-000000000014",
  stalls: "5b0e6d1c-0000-4000-8000-000000000021",
  balcony: "5b0e6d1c-0000-4000-8000-000000000022",
  matineeStalls: "5b0e6d1c-0000-4000-8000-000000000023",
  terrace: "5b0e6d1c-0000-4000-8000-000000000024",
  doubleRooms: "5b0e6d1c-0000-4000-8000-000000000025",
  confirmedBooking: "5b0e6d1c-0000-4000-8000-000000000031",
  pendingBooking: "5b0e6d1c-0000-4000-8000-000000000032",
  confirmedPayment: "5b0e6d1c-0000-4000-8000-000000000041",
  pendingPayment: "5b0e6d1c-0000-4000-8000-000000000042",
  confirmationNotification: "5b0e6d1c-0000-4000-8000-000000000051",
} as const;

/** Demo slots start at fixed hours a few days after the first seeding. */
export function daysFromNow(days: number, hourUtc: number): Date {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() + days);
  date.setUTCHours(hourUtc, 0, 0, 0);
  return date;
}

/** The demo's unpaid booking stays on hold for a day after the first seeding. */
export const demoHoldExpiry = () => new Date(Date.now() + 24 * 3_600_000);
