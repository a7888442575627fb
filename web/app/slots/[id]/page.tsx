import { SlotView } from "./slot-view";

export default async function SlotPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <SlotView id={id} />;
}
