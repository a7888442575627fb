import { SUBGRAPHS, type SubgraphName } from "../core/services";
/**
 * The events subgraphs exchange through their outboxes (README: Events: the outbox relay): the topics, the
 * envelope, and for every event type the payload its producer writes. Producers build events with
 * `bookingDomainEvent`/`paymentDomainEvent` (the payload is checked against its type), consumers narrow with `isEvent` (the
 * payload is then typed); neither writes an event type or a topic as a string of its own.
 *
 * Consumers also meet events written before a field existed (a replayed dead letter, an old
 * message still on the topic), and hand-made ones in tests: they keep checking what they rely on.
 */

/**
 * The outboxes and their topics: one topic per subgraph, named after it. Booking and payment
 * publish their lifecycles; inventory a zone's availability changes and notification a stored
 * notification, which only the live updates of subscriptions use so far (lib/contracts/live.ts).
 */
export const EVENT_TOPICS = Object.fromEntries(SUBGRAPHS.map((name) => [name, `${name}.events`])) as {
  readonly [Name in SubgraphName]: `${Name}.events`;
};
export type OutboxSchema = keyof typeof EVENT_TOPICS;
export type EventTopic = (typeof EVENT_TOPICS)[OutboxSchema];

/** An event as it travels: the envelope every outbox row becomes, as consumers receive it. */
export interface EventEnvelope<T extends string = string, P extends object = Record<string, unknown>> {
  eventId: string;
  eventType: T;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  occurredAt: string;
  actor: string | null;
  /** The span of the operation that wrote the event (W3C trace context), or the relay's publish span. */
  traceparent: string | null;
  payload: P;
}

/** What a service says happened; the outbox adds the envelope's id, time and trace. */
export type DomainEvent = Pick<
  EventEnvelope<string, object>,
  "eventType" | "aggregateType" | "aggregateId" | "aggregateVersion" | "actor" | "payload"
> & { traceparent?: string | null };

/** Money in minor units, as a booking was priced. */
export type PricePayload = { base: number; tax: number; discount: number; total: number; currency: string };

/** The booking as every booking event carries it (dates as ISO strings). */
export type BookingSnapshot = {
  bookingId: string;
  reference: string;
  userId: string;
  zoneId: string;
  slotId: string;
  venueId: string;
  quantity: number;
  /** Of `quantity`, seats added to a paid booking whose top-up is not paid yet. */
  pendingSeats: number;
  /** A `BookingStatus` of the booking subgraph. */
  status: string;
  price: PricePayload;
  expiresAt: string | null;
  organizerId: string | null;
  guestEmail: string | null;
  organizerEmail: string | null;
};

/** What each booking event adds to the snapshot. */
type BookingEventDetails = {
  "booking.reserved": Record<never, never>;
  /** The payment succeeded and the seats are sold. */
  "booking.confirmed": { paymentId: string | null };
  /** The payment was declined: seats released. */
  "booking.failed": { paymentId: string | null; reason: string };
  /** Unpaid when its hold ran out: seats released; a payment that still arrives is refunded. */
  "booking.expired": { reason: string };
  "booking.cancelled": {
    previousStatus: string;
    reason: string;
    notes: string | null;
    cancelledBy: string;
    cancelledByRole: string;
    paymentTaken: boolean;
    refundPercent: number;
    /** The share of the paid price that goes back (0–10000). Absent from older events. */
    refundBps?: number;
    /** What comes back and what the venue keeps (minor units). Absent from older events. */
    refundMinor?: number;
    feeMinor?: number;
    feeWaived?: boolean;
    tierHoursBefore: number | null;
  };
  /** Quantity, price or special requests changed (by the guest, or unpaid added seats given back). */
  "booking.updated": {
    previousQuantity: number;
    previousPrice: PricePayload;
    /** The share of removed seats' price a paid booking gets back (0–10000); absent: all. */
    refundBps?: number;
    specialRequests?: string | null;
    reason?: string;
  };
  /** Seats added to a paid booking were paid for. */
  "booking.seats_confirmed": { seats: number };
  "booking.checked_in": { previousStatus: string };
  "booking.completed": { previousStatus: string };
  "booking.no_show": { previousStatus: string };
};

/**
 * The payment as every payment event carries it (amounts in minor units). Each event adds the
 * `amountMinor` it is about: the charge's, the refund's, or what is owed.
 */
export type PaymentSnapshot = {
  paymentId: string;
  bookingId: string;
  reference: string | null;
  userId: string | null;
  guestEmail: string | null;
  currency: string;
  /** A `PaymentStatus` of the payment subgraph. */
  status: string;
  failureReason: string | null;
  amountDueMinor: number;
  amountPaidMinor: number;
  amountRefundedMinor: number;
  feeMinor: number;
  balanceMinor: number;
};

/** A charge's outcome (`amountMinor` is the charge's, not the payment's). */
export type ChargeDetails = { chargeId: string; amountMinor: number; chargeAmountMinor: number; topUp: boolean };
/** A refund (`amountMinor`/`feeMinor` are the refund's, not the payment's). */
export type RefundDetails = {
  refundId: string;
  reason: string;
  cause: string | null;
  amountMinor: number;
  feeMinor: number;
};

/** What each payment event adds to (or overrides in) the snapshot. */
type PaymentEventDetails = {
  "payment.succeeded": ChargeDetails;
  "payment.failed": ChargeDetails;
  "payment.refund_requested": RefundDetails;
  "payment.refunded": RefundDetails;
  /** Seats were added to a paid booking: `amountMinor` is owed. */
  "payment.topup_required": { amountMinor: number; bookingVersion: number };
};

/** Inventory events: only changes subscribers see (a zone's seats left), not the ledger's every step. */
type InventoryEventPayloads = {
  /**
   * Seats of the zone became free or taken (a hold, a release, an expiry, a capacity edit); held
   * seats being sold change nothing anyone sees, so they are not an event. Aggregate: the zone.
   */
  "inventory.availability_changed": { slotId: string; zoneId: string };
  /**
   * Someone joined the zone's waitlist: seats already free that fit nobody ahead may fit them
   * (the offer-maker looks again). Not shown live. Aggregate: the zone.
   */
  "inventory.waitlist_joined": { slotId: string; zoneId: string; entryId: string };
  /**
   * Seats are held for a waitlist entry until `expiresAt` (ISO): the user accepts with
   * `reserveSeats` for the zone, or the offer lapses and passes on. Aggregate: the zone.
   */
  "inventory.waitlist_offered": {
    entryId: string;
    userId: string;
    email: string | null;
    slotId: string;
    zoneId: string;
    quantity: number;
    expiresAt: string;
  };
};

/** Notification events. Aggregate: the notification. */
type NotificationEventPayloads = {
  /** A notification was stored for `recipientId` (a user; guests by email only get no event). */
  "notification.added": { notificationId: string; recipientId: string };
};

/** A booking event's payload: the snapshot and the event's details. */
export type BookingEventPayload<K extends BookingEventType> = BookingSnapshot & BookingEventDetails[K];
/** A payment event's payload: the snapshot and the event's details (a refund's `feeMinor` is the refund's). */
export type PaymentEventPayload<K extends PaymentEventType> = PaymentSnapshot & PaymentEventDetails[K];

/** Every event type the platform produces, and its payload. */
export type EventPayloads = { [K in BookingEventType]: BookingEventPayload<K> } & {
  [K in PaymentEventType]: PaymentEventPayload<K>;
} & InventoryEventPayloads &
  NotificationEventPayloads;
export type EventType = keyof EventPayloads;
export type BookingEventType = keyof BookingEventDetails;
export type PaymentEventType = keyof PaymentEventDetails;
export type InventoryEventType = keyof InventoryEventPayloads;
export type NotificationEventType = keyof NotificationEventPayloads;
export type BookingEventExtra<K extends BookingEventType> = BookingEventDetails[K];
export type PaymentEventExtra<K extends PaymentEventType> = PaymentEventDetails[K];

/** An event of one of the types `K`, its payload typed (a union of envelopes, one per type). */
export type KnownEvent<K extends EventType = EventType> = K extends EventType
  ? EventEnvelope<K, EventPayloads[K]>
  : never;

/**
 * Booking events after which the booking is over unconfirmed and its seats are free again, with
 * the status it ended in (inventory releases the hold; payment closes the payment).
 */
export const BOOKING_ENDING_EVENTS = {
  "booking.cancelled": "CANCELLED",
  "booking.expired": "EXPIRED",
  "booking.failed": "FAILED",
} as const satisfies Partial<Record<BookingEventType, string>>;
export type BookingEndingEvent = keyof typeof BOOKING_ENDING_EVENTS;
export const BOOKING_ENDING_EVENT_TYPES = Object.keys(BOOKING_ENDING_EVENTS) as readonly BookingEndingEvent[];

/** Whether `event` is of `types` (one type, a list or a set); its payload is then typed. */
export function isEvent<K extends EventType>(
  event: EventEnvelope,
  types: K | readonly K[] | ReadonlySet<K>,
): event is KnownEvent<K> {
  const type = event.eventType as K;
  if (typeof types === "string") return type === types;
  return "has" in types ? types.has(type) : types.includes(type);
}

const aggregateEvent =
  (aggregateType: "booking" | "payment" | "zone" | "notification") =>
  (eventType: EventType, aggregate: { id: string; version: number }, actor: string | null, payload: object) => ({
    eventType,
    aggregateType,
    aggregateId: aggregate.id,
    aggregateVersion: aggregate.version,
    actor,
    payload,
  });

/** A booking event (its aggregate is the booking), its payload checked against the type. */
export const bookingDomainEvent: <K extends BookingEventType>(
  eventType: K,
  booking: { id: string; version: number },
  actor: string | null,
  payload: BookingEventPayload<K>,
) => DomainEvent = aggregateEvent("booking");

/** A payment event (its aggregate is the payment), its payload checked against the type. */
export const paymentDomainEvent: <K extends PaymentEventType>(
  eventType: K,
  payment: { id: string; version: number },
  actor: string | null,
  payload: PaymentEventPayload<K>,
) => DomainEvent = aggregateEvent("payment");

/** An inventory event (its aggregate is the zone; `version` any increasing number of the zone, or 0). */
export const inventoryDomainEvent: <K extends InventoryEventType>(
  eventType: K,
  zone: { id: string; version: number },
  actor: string | null,
  payload: InventoryEventPayloads[K],
) => DomainEvent = aggregateEvent("zone");

/** A notification event (its aggregate is the notification). */
export const notificationDomainEvent: <K extends NotificationEventType>(
  eventType: K,
  notification: { id: string; version: number },
  actor: string | null,
  payload: NotificationEventPayloads[K],
) => DomainEvent = aggregateEvent("notification");
