import { isEvent, type EventEnvelope } from "./events";
import type { WaitingRoomState } from "./waiting-room";
/**
 * Live updates for subscriptions (README: Live updates): what each kind of channel carries. The
 * outbox relay derives them from committed events (`liveMessagesOf`); every gateway listens on the
 * channels its subscribers need and resolves the payload itself. Messages carry ids, not data, so
 * nothing is shown that the subscriber could not query.
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
  /**
   * A slot's waiting room after a change (admissions, rate, pause, sold out). Published by the
   * inventory's ticker itself (the room lives in Redis, not in an outbox); it carries the room's
   * whole state, from which the gateway computes each subscriber's ticket.
   */
  "waiting-room": WaitingRoomState;
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
  waitingRoom: (slotId: string): LiveChannel<"waiting-room"> => `waiting-room:${slotId}`,
};

/** One live message of an event, and the channel it goes to. */
export interface LiveDelivery {
  channel: LiveChannel;
  message: LiveMessages[LiveKind];
}

const text = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);

/**
 * The live messages an event of an outbox stands for (README: Live updates). The relay appends
 * them once the event is published, so every committed change is pushed, even when the process
 * that committed it died right after: a booking's and a payment's events go to the booking's and
 * its guest's channels, availability events to the slot's, a stored notification to its
 * recipient's. Events of other types are not shown live.
 */
export function liveMessagesOf(event: EventEnvelope<string, object>): LiveDelivery[] {
  const payload = event.payload as Record<string, unknown>;
  if (event.aggregateType === "booking" || event.aggregateType === "payment") {
    const bookingId = text(payload.bookingId) ?? (event.aggregateType === "booking" ? event.aggregateId : null);
    if (!bookingId) return [];
    const userId = text(payload.userId);
    const deliveries: LiveDelivery[] = [{ channel: LIVE_CHANNELS.booking(bookingId), message: { bookingId } }];
    if (userId) deliveries.push({ channel: LIVE_CHANNELS.userBookings(userId), message: { bookingId } });
    return deliveries;
  }
  const known = event as EventEnvelope;
  if (isEvent(known, "inventory.availability_changed")) {
    const { slotId, zoneId } = known.payload;
    return [{ channel: LIVE_CHANNELS.availability(slotId), message: { slotId, zoneId } }];
  }
  if (isEvent(known, "notification.added")) {
    const { notificationId, recipientId } = known.payload;
    return [{ channel: LIVE_CHANNELS.userNotifications(recipientId), message: { notificationId } }];
  }
  return [];
}
