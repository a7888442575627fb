import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { unauthenticated } from "../../../lib/core/errors";
import { isUuid } from "../../../lib/core/ids";
import type { NotificationContext } from "../notification.loaders";
import type { Notification } from "../notification/notification.repository";
import { NotificationType } from "../notification/notification.type";
import { BookingReference } from "./booking.type";

@Resolver(() => BookingReference)
export class BookingNotificationsResolver {
  /** Each person sees the messages sent to them; admins see all of them. */
  // Nullable so that a notification outage leaves the rest of a booking readable.
  @FieldResolver(() => [NotificationType], {
    nullable: true,
    description: "Messages about this booking sent to you, oldest first; null if they cannot be loaded now.",
  })
  async notifications(@Root() booking: BookingReference, @Ctx() ctx: NotificationContext): Promise<Notification[]> {
    if (!ctx.principal) throw unauthenticated();
    if (!isUuid(booking.id)) return [];
    const recipient = ctx.principal.role === "ADMIN" ? undefined : ctx.principal.userId;
    return ctx.loaders.bookingNotificationsFor(recipient).load(booking.id);
  }
}
