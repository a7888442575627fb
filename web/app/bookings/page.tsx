import { MyBookings } from "./my-bookings";

export const metadata = { title: "My bookings — Bookings" };

export default function Page() {
  return <MyBookings />;
}
