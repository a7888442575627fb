import { BookingView } from "./booking-view";

export default async function BookingPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <BookingView id={id} />;
}
