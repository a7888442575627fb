import { Organizer } from "./organizer";

export const metadata = { title: "Organizer — Bookings" };

export default function Page() {
  return <Organizer />;
}
