import { HOLD_OPERATIONS } from "../../../lib/contracts";
import type { Routes } from "../../../lib/http/server";
import { operationRoute } from "../../../lib/http/internal";
import type { Logger } from "../../../lib/observability/logger";
import type { HoldService } from "./hold.service";

/** Internal operations on holds, for the booking subgraph (service secret required; lib/contracts/holds.ts). */
export function holdRoutes(holds: HoldService, serviceSecret: string, logger: Logger): Routes {
  const options = { serviceSecret, logger };
  return {
    ...operationRoute(HOLD_OPERATIONS.hold, { ...options, handle: (input) => holds.holdSeats(input) }),
    ...operationRoute(HOLD_OPERATIONS.resize, {
      ...options,
      handle: (input) => holds.resizeHold(input.holdId, input.fromQuantity, input.quantity),
    }),
    ...operationRoute(HOLD_OPERATIONS.sell, { ...options, handle: (input) => holds.sellHold(input.holdId) }),
    ...operationRoute(HOLD_OPERATIONS.release, {
      ...options,
      handle: (input) => holds.releaseHold(input.holdId, input.requested),
    }),
  };
}
