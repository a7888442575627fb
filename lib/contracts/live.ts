/**
 * Live updates for subscriptions (README: Live updates): what each kind of channel carries. Services
 * publish after their transaction committed; every gateway subscribes to the channels its
 * subscribers need and resolves the payload itself. Messages carry ids, not data, so nothing is
 * shown that the subscriber could not query.
 */
export interface LiveMessages {
  /** Seats of a zone of the slot changed (held, released, sold, capacity). */
  availability: { slotId: string; zoneId: string };
  /** The booking changed (status, quantity, payment, refund). */
  booking: { bookingId: string };
  /** One of the user's bookings changed. */
  "user-bookings": { bookingId: string };
  /** The user has a new notification. */
  "user-notifications": { notificationId: string };
}
export type LiveKind = keyof LiveMessages;

/** A channel: its kind and the id it is about, `<kind>:<id>`. */
export type LiveChannel<K extends LiveKind = LiveKind> = `${K}:${string}`;

/**
 * A message as subscribers receive it. With tracing on it names the span of the change behind it
 * (`traceparent`), and the gateway's delivery span links to it.
 */
export type LiveMessage<K extends LiveKind = LiveKind> = LiveMessages[K] & { traceparent?: string };

/** The channels of the live updates (one place, so publishers and the gateway agree). */
export const LIVE_CHANNELS = {
  availability: (slotId: string): LiveChannel<"availability"> => `availability:${slotId}`,
  booking: (bookingId: string): LiveChannel<"booking"> => `booking:${bookingId}`,
  userBookings: (userId: string): LiveChannel<"user-bookings"> => `user-bookings:${userId}`,
  userNotifications: (userId: string): LiveChannel<"user-notifications"> => `user-notifications:${userId}`,
};
