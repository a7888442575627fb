import { bookingSubgraph } from "./booking";
import { inventorySubgraph } from "./inventory";
import { notificationSubgraph } from "./notification";
import { paymentSubgraph } from "./payment";

/** Every subgraph of the platform, in start order. */
export const SUBGRAPH_DEFINITIONS = [inventorySubgraph, bookingSubgraph, paymentSubgraph, notificationSubgraph];
