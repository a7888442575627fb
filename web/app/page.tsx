import { Browse } from "./browse";

export default function Home() {
  return <Browse />;
}
