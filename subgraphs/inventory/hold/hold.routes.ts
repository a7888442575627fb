import { z } from "zod";
import { internalRoute } from "../../../lib/internal";
import type { Routes } from "../../../lib/http";
import type { Logger } from "../../../lib/logger";
import type { HoldService } from "./hold.service";

/** Internal operations on holds, for the booking subgraph (service secret required). */
export function holdRoutes(holds: HoldService, serviceSecret: string, logger: Logger): Routes {
  return {
    "POST /internal/holds": internalRoute({
      serviceSecret,
      logger,
      input: z.object({
        holdId: z.uuid(),
        zoneId: z.uuid(),
        userId: z.string().min(1).max(200),
        quantity: z.number().int().min(1).max(100),
        expiresAt: z.iso.datetime().transform((value) => new Date(value)),
        key: z
          .object({
            token: z.string().regex(/^[0-9a-f]{32,64}$/),
            lockedUntil: z.number().int().nonnegative(),
            ttlMs: z
              .number()
              .int()
              .min(1)
              .max(7 * 86_400_000),
            supersede: z.uuid().optional(),
          })
          .optional(),
      }),
      handle: (input) => holds.holdSeats(input),
    }),
    "POST /internal/holds/resize": internalRoute({
      serviceSecret,
      logger,
      input: z.object({
        holdId: z.uuid(),
        fromQuantity: z.number().int().min(1).max(100),
        quantity: z.number().int().min(1).max(100),
      }),
      handle: (input) => holds.resizeHold(input.holdId, input.fromQuantity, input.quantity),
    }),
    "POST /internal/holds/sell": internalRoute({
      serviceSecret,
      logger,
      input: z.object({ holdId: z.uuid() }),
      handle: (input) => holds.sellHold(input.holdId),
    }),
    "POST /internal/holds/release": internalRoute({
      serviceSecret,
      logger,
      input: z.object({
        holdId: z.uuid(),
        /** What the hold request asked for: lets inventory refuse that request if it lands later. */
        requested: z
          .object({
            zoneId: z.uuid(),
            userId: z.string().min(1).max(200),
            quantity: z.number().int().min(1).max(100),
            /** The hold's idempotency key digest: given up with the hold (its booking was never written). */
            keyToken: z
              .string()
              .regex(/^[0-9a-f]{32,64}$/)
              .optional(),
          })
          .optional(),
      }),
      handle: (input) => holds.releaseHold(input.holdId, input.requested),
    }),
  };
}
