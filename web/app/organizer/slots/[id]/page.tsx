import { SalesView } from "./sales-view";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <SalesView id={id} />;
}
