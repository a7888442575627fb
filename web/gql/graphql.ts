/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar.This scalar is serialized to a string in ISO 8601 format and parsed from a string in ISO 8601 format. */
  DateTimeISO: { input: string; output: string; }
};

/** Seats, a table or a room reserved by one user in one zone. */
export type Booking = {
  __typename?: 'Booking';
  /** What the guest owes for the booking in all (its current total, plus any fee kept by the venue's policy), minor units. Null until the payment exists. */
  amountDue?: Maybe<Scalars['Int']['output']>;
  /** What the guest has paid (succeeded charges), minor units. Null until the payment exists. */
  amountPaid?: Maybe<Scalars['Int']['output']>;
  /** What was (or is being) refunded, minor units. Null until the payment exists. */
  amountRefunded?: Maybe<Scalars['Int']['output']>;
  /** Minor units the venue kept as a cancellation fee. */
  cancellationFeeMinor?: Maybe<Scalars['Int']['output']>;
  /** The venue's organizer or an admin waived the fee. */
  cancellationFeeWaived?: Maybe<Scalars['Boolean']['output']>;
  cancellationNotes?: Maybe<Scalars['String']['output']>;
  /** The venue's cancellation policy when this booking was made (empty: full refund). */
  cancellationPolicy: Array<RefundTier>;
  cancellationReason?: Maybe<CancellationReason>;
  /** Minor units the cancellation refunded; 0 if nothing had been paid. */
  cancellationRefundMinor?: Maybe<Scalars['Int']['output']>;
  /** Percent of the price the cancellation refunded (the venue's tier then, 100 if waived). */
  cancellationRefundPercent?: Maybe<Scalars['Int']['output']>;
  cancelledAt?: Maybe<Scalars['DateTimeISO']['output']>;
  /** User id of whoever cancelled. */
  cancelledBy?: Maybe<Scalars['ID']['output']>;
  createdAt: Scalars['DateTimeISO']['output'];
  /** When an unpaid hold lapses; null once the booking is no longer PENDING. */
  expiresAt?: Maybe<Scalars['DateTimeISO']['output']>;
  id: Scalars['ID']['output'];
  /** Messages about this booking sent to you, oldest first; null if they cannot be loaded now. */
  notifications?: Maybe<Array<Notification>>;
  /** Null until payment starts. */
  payment?: Maybe<Payment>;
  /** Of quantity, seats added to a paid booking whose top-up is not paid yet (pay it with payBooking; they are given back if it is declined or topUpExpiresAt passes). */
  pendingSeats: Scalars['Int']['output'];
  price: PriceSnapshot;
  quantity: Scalars['Int']['output'];
  /** Human reference, BR-YYYYMMDD-XXXXXX. */
  reference: Scalars['String']['output'];
  specialRequests?: Maybe<Scalars['String']['output']>;
  status: BookingStatus;
  /** Every transition, oldest first. */
  statusHistory: Array<BookingStatusChange>;
  /** When unpaid pendingSeats are given back; null when there are none. */
  topUpExpiresAt?: Maybe<Scalars['DateTimeISO']['output']>;
  updatedAt: Scalars['DateTimeISO']['output'];
  /** User id of the guest who owns the booking. */
  userId: Scalars['ID']['output'];
  /** Increases with every change; pass it back as expectedVersion. */
  version: Scalars['Int']['output'];
  zone: Zone;
};

export type BookingConnection = {
  __typename?: 'BookingConnection';
  edges: Array<BookingEdge>;
  pageInfo: PageInfo;
};

export type BookingEdge = {
  __typename?: 'BookingEdge';
  cursor: Scalars['String']['output'];
  node: Booking;
};

/** PENDING holds seats until payment; CONFIRMED is paid; the rest are terminal except CHECKED_IN. */
export type BookingStatus =
  | 'CANCELLED'
  | 'CHECKED_IN'
  | 'COMPLETED'
  | 'CONFIRMED'
  | 'EXPIRED'
  | 'FAILED'
  | 'NO_SHOW'
  | 'PENDING';

/** One transition of a booking, kept for audit. */
export type BookingStatusChange = {
  __typename?: 'BookingStatusChange';
  /** User id, or 'system' for expiry and payment results. */
  actor: Scalars['String']['output'];
  at: Scalars['DateTimeISO']['output'];
  /** Null for the booking's creation. */
  fromStatus?: Maybe<BookingStatus>;
  reason?: Maybe<Scalars['String']['output']>;
  toStatus: BookingStatus;
};

export type BookingTransitionInput = {
  bookingId: Scalars['ID']['input'];
  /** The version you last saw; a different current version → CONFLICT. */
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
};

export type CancelBookingInput = {
  bookingId: Scalars['ID']['input'];
  /** The version you last saw; a different current version → CONFLICT. */
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  /** Optional; cancelling is idempotent by itself. */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /** At most 1000 characters. */
  notes?: InputMaybe<Scalars['String']['input']>;
  reason: CancellationReason;
  /** The venue's organizer and admins: refund everything, whatever the policy says (guests: FORBIDDEN). */
  waiveFee?: InputMaybe<Scalars['Boolean']['input']>;
};

/** What cancelling the booking now would refund, by the policy it was booked under (minor units). */
export type CancellationQuote = {
  __typename?: 'CancellationQuote';
  currency: Scalars['String']['output'];
  /** The venue's cancellation deadline has passed: only its organizer or an admin can cancel. */
  deadlinePassed: Scalars['Boolean']['output'];
  /** What the venue would keep; 0 while nothing is paid. */
  feeMinor: Scalars['Int']['output'];
  /** What would be refunded; 0 while nothing is paid. */
  refundMinor: Scalars['Int']['output'];
  /** The tier in force now: 100 with no policy, 0 below the last tier. */
  refundPercent: Scalars['Int']['output'];
  /** hoursBefore of the tier in force; null: no policy or none left. */
  tierHoursBefore?: Maybe<Scalars['Int']['output']>;
};

export type CancellationReason =
  | 'CHANGE_OF_PLANS'
  | 'DOUBLE_BOOKING'
  | 'FOUND_ALTERNATIVE'
  | 'NO_LONGER_NEEDED'
  | 'OTHER';

/** One attempt to take money for a payment: the first payment or a top-up. */
export type Charge = {
  __typename?: 'Charge';
  /** Minor units (cents). */
  amount: Scalars['Int']['output'];
  createdAt: Scalars['DateTimeISO']['output'];
  currency: Scalars['String']['output'];
  /** Why the provider declined it. */
  failureReason?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** The provider's reference of the charge. */
  providerReference?: Maybe<Scalars['String']['output']>;
  status: ChargeStatus;
  updatedAt: Scalars['DateTimeISO']['output'];
};

export type ChargeStatus =
  | 'FAILED'
  | 'PROCESSING'
  | 'SUCCEEDED';

export type CreateSlotInput = {
  endsAt: Scalars['DateTimeISO']['input'];
  /** Most seats one user may hold or buy in this slot. */
  maxPerUser?: Scalars['Int']['input'];
  /** Sales open at this time; open at once if null. */
  saleStartsAt?: InputMaybe<Scalars['DateTimeISO']['input']>;
  startsAt: Scalars['DateTimeISO']['input'];
  title: Scalars['String']['input'];
  venueId: Scalars['ID']['input'];
};

export type CreateVenueInput = {
  /** Guests cannot cancel within this many hours of a slot's start. */
  cancellationDeadlineHours?: InputMaybe<Scalars['Int']['input']>;
  /** Refund tiers by hours before a slot's start (at most 10), e.g. [{ hoursBefore: 48, refundPercent: 100 }, { hoursBefore: 24, refundPercent: 50 }]: 0 % after the last tier; empty: everything is refunded. */
  cancellationPolicy?: InputMaybe<Array<RefundTierInput>>;
  city: Scalars['String']['input'];
  /** Where the venue's notifications are e-mailed; defaults to the e-mail in the creator's token. */
  contactEmail?: InputMaybe<Scalars['String']['input']>;
  kind: VenueKind;
  name: Scalars['String']['input'];
  /** Admins only: the organizer who will own the venue. */
  ownerId?: InputMaybe<Scalars['ID']['input']>;
  /** IANA time zone, e.g. Europe/Lisbon. */
  timezone?: Scalars['String']['input'];
};

export type CreateZoneInput = {
  capacity: Scalars['Int']['input'];
  /** ISO 4217 code, e.g. EUR. */
  currency: Scalars['String']['input'];
  name: Scalars['String']['input'];
  /** Price of one seat in minor units (cents). */
  priceMinor: Scalars['Int']['input'];
  slotId: Scalars['ID']['input'];
};

/** The signed-in user. */
export type Me = {
  __typename?: 'Me';
  /** User id from the token. */
  id: Scalars['ID']['output'];
  /** Messages sent to you, newest first. */
  notifications: Array<Notification>;
};


/** The signed-in user. */
export type MeNotificationsArgs = {
  first?: Scalars['Int']['input'];
};

/** An amount in minor units (cents) of an ISO 4217 currency. */
export type Money = {
  __typename?: 'Money';
  /** Minor units: 1250 with EUR is €12.50. */
  amount: Scalars['Int']['output'];
  /** ISO 4217 code, e.g. EUR. */
  currency: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Cancels a booking. Cancelling a cancelled booking returns it unchanged. */
  cancelBooking: Booking;
  /** Organizers and admins: CONFIRMED → CHECKED_IN. */
  checkInBooking: Booking;
  /** Organizers and admins: turns the waiting room off; anyone may reserve again. */
  closeWaitingRoom: WaitingRoom;
  /** Organizers and admins: CONFIRMED or CHECKED_IN → COMPLETED. */
  completeBooking: Booking;
  createSlot: Slot;
  createVenue: Venue;
  createZone: Zone;
  /** Takes a place in the slot's waiting room (sign-in required); joining again returns the same ticket. CLOSED when the slot has no waiting room on: reserve directly. */
  joinWaitingRoom: WaitingRoomTicket;
  /** Joins a sold-out zone's waitlist for `quantity` seats (1 to the slot's maxPerUser). Joining again returns your entry (a WAITING one takes the new quantity and keeps its place). Seats that come back are held for the first entries they fit, for a limited time; take them with `reserveSeats`. BAD_USER_INPUT while seats are available to reserve. */
  joinWaitlist: WaitlistEntry;
  /** Leaves the zone's waitlist; seats offered to you go to the next entry. Returns the entry (status LEFT); NOT_FOUND when you are not in it. */
  leaveWaitlist: WaitlistEntry;
  /** Organizers and admins: CONFIRMED → NO_SHOW. */
  markNoShow: Booking;
  /** Organizers and admins: turns the slot's waiting room on (or resumes it) and admits admitPerMinute people a minute. From then on reserving in the slot needs an admission. */
  openWaitingRoom: WaitingRoom;
  /** Organizers and admins: stops admitting; reserving still needs an admission. */
  pauseWaitingRoom: WaitingRoom;
  /** The booking's guest pays what is owed (the payment's balance: the booking's total, or a top-up after seats were added). Answers PROCESSING at once; a PENDING booking becomes CONFIRMED (or FAILED) when the provider reports the outcome. Nothing owed or a charge in flight → CONFLICT. */
  payBooking: Payment;
  /** Holds seats and creates a PENDING booking that must be paid before expiresAt. */
  reserveSeats: Booking;
  /** Organizers and admins: changes the admission rate. */
  setWaitingRoomRate: WaitingRoom;
  /** Changes quantity or special requests of a PENDING or CONFIRMED booking. */
  updateBooking: Booking;
  updateSlot: Slot;
  updateVenue: Venue;
  /** Capacity can be raised, and lowered only down to the seats held or sold. */
  updateZone: Zone;
};


export type MutationCancelBookingArgs = {
  input: CancelBookingInput;
};


export type MutationCheckInBookingArgs = {
  input: BookingTransitionInput;
};


export type MutationCloseWaitingRoomArgs = {
  slotId: Scalars['ID']['input'];
};


export type MutationCompleteBookingArgs = {
  input: BookingTransitionInput;
};


export type MutationCreateSlotArgs = {
  input: CreateSlotInput;
};


export type MutationCreateVenueArgs = {
  input: CreateVenueInput;
};


export type MutationCreateZoneArgs = {
  input: CreateZoneInput;
};


export type MutationJoinWaitingRoomArgs = {
  slotId: Scalars['ID']['input'];
};


export type MutationJoinWaitlistArgs = {
  quantity: Scalars['Int']['input'];
  zoneId: Scalars['ID']['input'];
};


export type MutationLeaveWaitlistArgs = {
  zoneId: Scalars['ID']['input'];
};


export type MutationMarkNoShowArgs = {
  input: BookingTransitionInput;
};


export type MutationOpenWaitingRoomArgs = {
  admissionSeconds?: InputMaybe<Scalars['Int']['input']>;
  admitPerMinute: Scalars['Int']['input'];
  slotId: Scalars['ID']['input'];
};


export type MutationPauseWaitingRoomArgs = {
  slotId: Scalars['ID']['input'];
};


export type MutationPayBookingArgs = {
  input: PayBookingInput;
};


export type MutationReserveSeatsArgs = {
  input: ReserveSeatsInput;
};


export type MutationSetWaitingRoomRateArgs = {
  admitPerMinute: Scalars['Int']['input'];
  slotId: Scalars['ID']['input'];
};


export type MutationUpdateBookingArgs = {
  input: UpdateBookingInput;
};


export type MutationUpdateSlotArgs = {
  id: Scalars['ID']['input'];
  input: UpdateSlotInput;
};


export type MutationUpdateVenueArgs = {
  id: Scalars['ID']['input'];
  input: UpdateVenueInput;
};


export type MutationUpdateZoneArgs = {
  id: Scalars['ID']['input'];
  input: UpdateZoneInput;
};

/** A message sent to a guest or a venue owner. */
export type Notification = {
  __typename?: 'Notification';
  /** Delivery attempts so far. */
  attempts: Scalars['Int']['output'];
  body: Scalars['String']['output'];
  channel: NotificationChannel;
  createdAt: Scalars['DateTimeISO']['output'];
  id: Scalars['ID']['output'];
  sentAt?: Maybe<Scalars['DateTimeISO']['output']>;
  status: NotificationStatus;
  subject: Scalars['String']['output'];
};

export type NotificationChannel =
  | 'EMAIL'
  | 'PUSH'
  | 'SMS';

export type NotificationStatus =
  | 'FAILED'
  | 'PENDING'
  | 'SENT';

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type PayBookingInput = {
  bookingId: Scalars['ID']['input'];
  /** Client-chosen key (8–128 chars), one per charge: retrying with it returns the same payment and never charges twice; a top-up needs a new key. */
  idempotencyKey: Scalars['String']['input'];
  /** The card token from the provider's client library. Simulated provider: tok_success, tok_decline, tok_insufficient_funds, tok_delayed_<ms>. */
  paymentMethodToken: Scalars['String']['input'];
};

/** The payment of one booking: the account its charges and refunds are booked to. All amounts are minor units (cents) of `currency`. */
export type Payment = {
  __typename?: 'Payment';
  /** The booking's total as last seen (follows seat changes; kept when the booking ends). Minor units. */
  amount: Scalars['Int']['output'];
  /** What the guest owes in all: the booking's current total while it is live (0 once it ended), plus the fees the venue's policy kept. */
  amountDue: Scalars['Int']['output'];
  /** Sum of the succeeded charges. */
  amountPaid: Scalars['Int']['output'];
  /** Sum of the refunds opened (requested, pending or succeeded: an opened refund is always completed). */
  amountRefunded: Scalars['Int']['output'];
  /** amountDue − amountPaid + amountRefunded. Positive: the guest owes it (payBooking charges it); 0: settled; negative: we owe it back (a refund follows). */
  balance: Scalars['Int']['output'];
  /** The booking this payment is for. */
  booking: Booking;
  /** Every charge (the first payment, top-ups), oldest first. */
  charges: Array<Charge>;
  createdAt: Scalars['DateTimeISO']['output'];
  currency: Scalars['String']['output'];
  /** Why the provider declined the latest declined charge (e.g. card_declined); cleared by a success. */
  failureReason?: Maybe<Scalars['String']['output']>;
  /** Fees kept by the venue's cancellation policy (part of amountDue). */
  fee: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  /** The provider's reference of the latest charge. */
  providerReference?: Maybe<Scalars['String']['output']>;
  /** The latest refund, once one was opened. */
  refund?: Maybe<Refund>;
  /** Every refund, oldest first. */
  refunds: Array<Refund>;
  status: PaymentStatus;
  updatedAt: Scalars['DateTimeISO']['output'];
};

export type PaymentStatus =
  /** The booking ended (expired, cancelled) before anything was paid. */
  | 'CANCELLED'
  /** The charge was declined and nothing was paid; the booking failed. */
  | 'FAILED'
  /** A charge is with the provider. */
  | 'PROCESSING'
  /** Everything paid went back, or the booking ended and its refund is done. */
  | 'REFUNDED'
  /** A refund is on its way back to the payment method. */
  | 'REFUND_PENDING'
  /** Nothing paid yet; payBooking charges the amount due. */
  | 'REQUIRES_PAYMENT'
  /** Paid (a positive balance means a top-up is owed). */
  | 'SUCCEEDED';

/** The price fixed when the booking was made, in minor units (cents). */
export type PriceSnapshot = {
  __typename?: 'PriceSnapshot';
  base: Scalars['Int']['output'];
  /** ISO 4217 code, e.g. EUR. */
  currency: Scalars['String']['output'];
  discount: Scalars['Int']['output'];
  tax: Scalars['Int']['output'];
  /** base + tax - discount */
  total: Scalars['Int']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** A booking you own (admins: any booking). */
  booking: Booking;
  /** A booking by its human reference, e.g. BR-20261122-K7M2QX. */
  bookingByReference: Booking;
  /** What cancelling this booking now would refund (its guest, the venue's organizer, admins). */
  cancellationQuote: CancellationQuote;
  /** The signed-in user (UNAUTHENTICATED without a token). */
  me: Me;
  /** Your bookings, newest first. */
  myBookings: BookingConnection;
  /** Your waitlist entries, newest first: the ones in progress and the finished ones. */
  myWaitlist: Array<WaitlistEntry>;
  /** One of your notifications. */
  notification: Notification;
  slot?: Maybe<Slot>;
  venue?: Maybe<Venue>;
  /** Venues by name, at most `first` (1–100). */
  venues: Array<Venue>;
  /** Organizers (their slots) and admins: a slot's waiting room. */
  waitingRoom: WaitingRoom;
  /** Your ticket in the slot's waiting room; null if the room is on and you have not joined. */
  waitingRoomTicket?: Maybe<WaitingRoomTicket>;
  zone?: Maybe<Zone>;
  /** A zone's seats left now (public). */
  zoneAvailability?: Maybe<ZoneAvailability>;
};


export type QueryBookingArgs = {
  id: Scalars['ID']['input'];
};


export type QueryBookingByReferenceArgs = {
  reference: Scalars['String']['input'];
};


export type QueryCancellationQuoteArgs = {
  bookingId: Scalars['ID']['input'];
};


export type QueryMyBookingsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
  status?: InputMaybe<Array<BookingStatus>>;
};


export type QueryNotificationArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySlotArgs = {
  id: Scalars['ID']['input'];
};


export type QueryVenueArgs = {
  id: Scalars['ID']['input'];
};


export type QueryVenuesArgs = {
  first?: Scalars['Int']['input'];
};


export type QueryWaitingRoomArgs = {
  slotId: Scalars['ID']['input'];
};


export type QueryWaitingRoomTicketArgs = {
  slotId: Scalars['ID']['input'];
};


export type QueryZoneArgs = {
  id: Scalars['ID']['input'];
};


export type QueryZoneAvailabilityArgs = {
  zoneId: Scalars['ID']['input'];
};

/** Money given back for a payment (all of it, or the price of removed seats). */
export type Refund = {
  __typename?: 'Refund';
  /** What goes back, minor units (cents). */
  amount: Scalars['Int']['output'];
  createdAt: Scalars['DateTimeISO']['output'];
  currency: Scalars['String']['output'];
  /** What the venue's cancellation policy kept of the amount released, minor units. */
  fee: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  /** Why: seats removed, the booking cancelled or ended before the payment arrived, an overpayment. */
  reason: Scalars['String']['output'];
  status: RefundStatus;
  updatedAt: Scalars['DateTimeISO']['output'];
};

export type RefundStatus =
  /** Accepted by the provider; the money is on its way back. */
  | 'PENDING'
  /** Opened; the provider has not accepted it yet. */
  | 'REQUESTED'
  /** The money is back on the payment method. */
  | 'SUCCEEDED';

/** Cancelled at least hoursBefore the slot's start: refundPercent of the price comes back. */
export type RefundTier = {
  __typename?: 'RefundTier';
  hoursBefore: Scalars['Int']['output'];
  refundPercent: Scalars['Int']['output'];
};

export type RefundTierInput = {
  /** 0–8760; no two tiers with the same hours. */
  hoursBefore: Scalars['Int']['input'];
  /** 0–100. */
  refundPercent: Scalars['Int']['input'];
};

export type ReserveSeatsInput = {
  /** Client-chosen key (8–128 chars); retrying with the same key returns the same booking for 24 h. */
  idempotencyKey: Scalars['String']['input'];
  /** Seats to hold, 1 to the slot's maxPerUser. */
  quantity: Scalars['Int']['input'];
  zoneId: Scalars['ID']['input'];
};

/** A show, a sitting or a night at a venue. */
export type Slot = {
  __typename?: 'Slot';
  /** Seats that can still be reserved across all zones. */
  available: Scalars['Int']['output'];
  endsAt: Scalars['DateTimeISO']['output'];
  id: Scalars['ID']['output'];
  /** Most seats one user may hold or buy for this slot. */
  maxPerUser: Scalars['Int']['output'];
  /** Sales open at this time; null when open now. */
  saleStartsAt?: Maybe<Scalars['DateTimeISO']['output']>;
  startsAt: Scalars['DateTimeISO']['output'];
  title: Scalars['String']['output'];
  venue: Venue;
  /** The slot's waiting room is on (OPEN or PAUSED): join it before reserving. */
  waitingRoomActive: Scalars['Boolean']['output'];
  zones: Array<Zone>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /** Public: a zone of the slot after each change of its seats left (reservations, releases, expiries, capacity edits; a confirmation changes nothing here). */
  availabilityChanged?: Maybe<ZoneAvailability>;
  /** The booking after each change (status, payment, quantity): its guest, the venue's organizer and admins only. */
  bookingStatusChanged?: Maybe<Booking>;
  /** Each of your bookings after it changes (sign-in required). */
  myBookingUpdates?: Maybe<Booking>;
  /** Each notification sent to you, as it is stored (sign-in required). */
  notificationAdded?: Maybe<Notification>;
  /** Your ticket after each change: position and wait as people are admitted, your admission, sold out, pause and close. Join first (joinWaitingRoom). */
  waitingRoomUpdates?: Maybe<WaitingRoomTicket>;
};


export type SubscriptionAvailabilityChangedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  slotId: Scalars['ID']['input'];
};


export type SubscriptionBookingStatusChangedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  bookingId: Scalars['ID']['input'];
};


export type SubscriptionMyBookingUpdatesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
};


export type SubscriptionNotificationAddedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
};


export type SubscriptionWaitingRoomUpdatesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  slotId: Scalars['ID']['input'];
};

export type UpdateBookingInput = {
  bookingId: Scalars['ID']['input'];
  /** The version you last saw; a different current version → CONFLICT. */
  expectedVersion: Scalars['Int']['input'];
  /** Optional; a retried update that already applied returns the booking. */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /** New number of seats; more are held atomically, fewer are given back. */
  quantity?: InputMaybe<Scalars['Int']['input']>;
  /** At most 500 characters; an empty string clears them. */
  specialRequests?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateSlotInput = {
  endsAt?: InputMaybe<Scalars['DateTimeISO']['input']>;
  maxPerUser?: InputMaybe<Scalars['Int']['input']>;
  saleStartsAt?: InputMaybe<Scalars['DateTimeISO']['input']>;
  startsAt?: InputMaybe<Scalars['DateTimeISO']['input']>;
  title?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateVenueInput = {
  cancellationDeadlineHours?: InputMaybe<Scalars['Int']['input']>;
  /** Refund tiers by hours before a slot's start (at most 10), e.g. [{ hoursBefore: 48, refundPercent: 100 }, { hoursBefore: 24, refundPercent: 50 }]: 0 % after the last tier; empty: everything is refunded. Existing bookings keep the policy they were made under. */
  cancellationPolicy?: InputMaybe<Array<RefundTierInput>>;
  city?: InputMaybe<Scalars['String']['input']>;
  /** An empty string removes it. */
  contactEmail?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  timezone?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateZoneInput = {
  /** Can be lowered only down to the seats held or sold. */
  capacity?: InputMaybe<Scalars['Int']['input']>;
  currency?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  priceMinor?: InputMaybe<Scalars['Int']['input']>;
};

/** A theatre, restaurant or hotel that sells slots. */
export type Venue = {
  __typename?: 'Venue';
  /** Guests cannot cancel within this many hours of a slot's start. */
  cancellationDeadlineHours?: Maybe<Scalars['Int']['output']>;
  /** Refund by how long before a slot's start a booking is cancelled, largest hoursBefore first: the first tier whose hours are still ahead applies, 0 % after the last. Empty: everything is refunded. */
  cancellationPolicy: Array<RefundTier>;
  city: Scalars['String']['output'];
  /** Where the venue's notifications (cancellations) are e-mailed. Only the venue's organizer and admins see it; null for everybody else. */
  contactEmail?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  kind: VenueKind;
  name: Scalars['String']['output'];
  /** Slots of this venue by start time. */
  slots: Array<Slot>;
  /** IANA time zone the venue's times are shown in. */
  timezone: Scalars['String']['output'];
};

/** What is booked at a venue: seats, tables or rooms. */
export type VenueKind =
  | 'HOTEL'
  | 'OTHER'
  | 'RESTAURANT'
  | 'THEATRE';

/** A slot's waiting room, as its organizer sees it. */
export type WaitingRoom = {
  __typename?: 'WaitingRoom';
  /** How long an admission lets its user reserve. */
  admissionSeconds: Scalars['Int']['output'];
  /** People admitted per minute while OPEN. */
  admitPerMinute: Scalars['Int']['output'];
  /** People admitted so far (numbers 1 to this one). */
  admitted: Scalars['Int']['output'];
  /** People who joined so far. */
  joined: Scalars['Int']['output'];
  slotId: Scalars['ID']['output'];
  /** The slot is sold out: admission is stopped until seats come back. */
  soldOut: Scalars['Boolean']['output'];
  status: WaitingRoomStatus;
  /** People waiting for admission. */
  waiting: Scalars['Int']['output'];
};

export type WaitingRoomStatus =
  /** The room is off: anyone may reserve. */
  | 'CLOSED'
  /** Admitting people in join order at the room's rate. */
  | 'OPEN'
  /** Nobody is admitted; reserving still needs an admission. */
  | 'PAUSED';

/** Your place in a slot's waiting room. */
export type WaitingRoomTicket = {
  __typename?: 'WaitingRoomTicket';
  /** Reserve before this time once admitted. */
  admittedUntil?: Maybe<Scalars['DateTimeISO']['output']>;
  /** Seconds until your admission at the current rate; null while paused or sold out. */
  estimatedWaitSeconds?: Maybe<Scalars['Int']['output']>;
  /** Your number in the join order (1 = first to join). */
  number?: Maybe<Scalars['Int']['output']>;
  /** 1 + the people ahead of you while waiting, 0 once admitted; null without a place. */
  position?: Maybe<Scalars['Int']['output']>;
  slotId: Scalars['ID']['output'];
  status: WaitingRoomTicketStatus;
};

export type WaitingRoomTicketStatus =
  /** You may reserve seats in this slot until admittedUntil. */
  | 'ADMITTED'
  /** The slot has no waiting room on: reserve directly. */
  | 'CLOSED'
  /** Your admission has passed; it is not renewed. */
  | 'EXPIRED'
  /** The slot is sold out: admission stopped (it resumes if seats come back). */
  | 'SOLD_OUT'
  /** In the queue. */
  | 'WAITING';

/** Your place in a sold-out zone's waitlist. */
export type WaitlistEntry = {
  __typename?: 'WaitlistEntry';
  /** The entry; an offer's seats are held under this id. */
  id: Scalars['ID']['output'];
  /** When you joined. */
  joinedAt: Scalars['DateTimeISO']['output'];
  /** The seats held for you (OFFERED, and kept for the record afterwards); null before any offer. */
  offer?: Maybe<WaitlistOffer>;
  /** 1 + the WAITING entries ahead of yours; null when not WAITING. */
  position?: Maybe<Scalars['Int']['output']>;
  /** Seats wanted (1 to the slot's `maxPerUser`). */
  quantity: Scalars['Int']['output'];
  /** WAITING → OFFERED → ACCEPTED or LAPSED; LEFT when you leave. */
  status: WaitlistStatus;
  /** The zone whose seats you are waiting for. */
  zone: Zone;
};

/** Seats held for a waitlist entry, for a limited time. */
export type WaitlistOffer = {
  __typename?: 'WaitlistOffer';
  /** Reserve before this time, or the offer passes to the next entry. */
  expiresAt: Scalars['DateTimeISO']['output'];
  /** Seats held for you; `reserveSeats` may take up to this many. */
  quantity: Scalars['Int']['output'];
};

/** Where a waitlist entry stands. */
export type WaitlistStatus =
  /** The user reserved the offered seats (the entry has left the queue). */
  | 'ACCEPTED'
  /** The offer ran out unused; the seats passed to the next entry. Join again to queue again. */
  | 'LAPSED'
  /** The user left the waitlist. */
  | 'LEFT'
  /** Seats are held for the user until `offer.expiresAt`: reserve them with `reserveSeats`. */
  | 'OFFERED'
  /** In the queue; freed seats that fit its quantity will be offered to it in turn. */
  | 'WAITING';

/** A capacity pool inside a slot with one price per seat. */
export type Zone = {
  __typename?: 'Zone';
  /** Seats that can still be reserved, from the live counters. */
  available: Scalars['Int']['output'];
  capacity: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  /** Price of one seat. */
  price: Money;
  slot: Slot;
};

/** How many seats a zone has left, at a moment. */
export type ZoneAvailability = {
  __typename?: 'ZoneAvailability';
  /** When this count was read. */
  at: Scalars['DateTimeISO']['output'];
  /** Seats that can still be reserved. */
  available: Scalars['Int']['output'];
  capacity: Scalars['Int']['output'];
  zone: Zone;
};

export type VenuesQueryVariables = Exact<{ [key: string]: never; }>;


export type VenuesQuery = { __typename?: 'Query', venues: Array<{ __typename?: 'Venue', id: string, name: string, city: string, kind: VenueKind, contactEmail?: string | null, slots: Array<{ __typename?: 'Slot', id: string, title: string, startsAt: string, endsAt: string, available: number, waitingRoomActive: boolean, zones: Array<{ __typename?: 'Zone', id: string, name: string, available: number, capacity: number, price: { __typename?: 'Money', amount: number, currency: string } }> }> }> };

export type SlotQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type SlotQuery = { __typename?: 'Query', slot?: { __typename?: 'Slot', id: string, title: string, startsAt: string, endsAt: string, maxPerUser: number, available: number, saleStartsAt?: string | null, waitingRoomActive: boolean, venue: { __typename?: 'Venue', id: string, name: string, city: string }, zones: Array<{ __typename?: 'Zone', id: string, name: string, available: number, capacity: number, price: { __typename?: 'Money', amount: number, currency: string } }> } | null };

export type AvailabilityChangedSubscriptionVariables = Exact<{
  slotId: Scalars['ID']['input'];
}>;


export type AvailabilityChangedSubscription = { __typename?: 'Subscription', availabilityChanged?: { __typename?: 'ZoneAvailability', available: number, capacity: number, at: string, zone: { __typename?: 'Zone', id: string, available: number, capacity: number } } | null };

export type ReserveSeatsMutationVariables = Exact<{
  input: ReserveSeatsInput;
}>;


export type ReserveSeatsMutation = { __typename?: 'Mutation', reserveSeats: { __typename?: 'Booking', id: string, reference: string, status: BookingStatus, quantity: number, expiresAt?: string | null } };

export type BookingFieldsFragment = { __typename?: 'Booking', id: string, reference: string, status: BookingStatus, version: number, quantity: number, expiresAt?: string | null, createdAt: string, specialRequests?: string | null, cancellationReason?: CancellationReason | null, cancellationNotes?: string | null, cancellationRefundMinor?: number | null, cancellationFeeMinor?: number | null, cancellationRefundPercent?: number | null, price: { __typename?: 'PriceSnapshot', base: number, tax: number, discount: number, total: number, currency: string }, payment?: { __typename?: 'Payment', id: string, status: PaymentStatus, amount: number, amountPaid: number, amountRefunded: number, currency: string, failureReason?: string | null, refunds: Array<{ __typename?: 'Refund', id: string, amount: number, status: RefundStatus, reason: string, currency: string }> } | null, zone: { __typename?: 'Zone', id: string, name: string, available: number, slot: { __typename?: 'Slot', id: string, title: string, startsAt: string, maxPerUser: number, venue: { __typename?: 'Venue', id: string, name: string } } }, statusHistory: Array<{ __typename?: 'BookingStatusChange', fromStatus?: BookingStatus | null, toStatus: BookingStatus, reason?: string | null, at: string }> };

export type BookingQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type BookingQuery = { __typename?: 'Query', booking: { __typename?: 'Booking', id: string, reference: string, status: BookingStatus, version: number, quantity: number, expiresAt?: string | null, createdAt: string, specialRequests?: string | null, cancellationReason?: CancellationReason | null, cancellationNotes?: string | null, cancellationRefundMinor?: number | null, cancellationFeeMinor?: number | null, cancellationRefundPercent?: number | null, price: { __typename?: 'PriceSnapshot', base: number, tax: number, discount: number, total: number, currency: string }, payment?: { __typename?: 'Payment', id: string, status: PaymentStatus, amount: number, amountPaid: number, amountRefunded: number, currency: string, failureReason?: string | null, refunds: Array<{ __typename?: 'Refund', id: string, amount: number, status: RefundStatus, reason: string, currency: string }> } | null, zone: { __typename?: 'Zone', id: string, name: string, available: number, slot: { __typename?: 'Slot', id: string, title: string, startsAt: string, maxPerUser: number, venue: { __typename?: 'Venue', id: string, name: string } } }, statusHistory: Array<{ __typename?: 'BookingStatusChange', fromStatus?: BookingStatus | null, toStatus: BookingStatus, reason?: string | null, at: string }> } };

export type BookingStatusChangedSubscriptionVariables = Exact<{
  bookingId: Scalars['ID']['input'];
}>;


export type BookingStatusChangedSubscription = { __typename?: 'Subscription', bookingStatusChanged?: { __typename?: 'Booking', id: string, reference: string, status: BookingStatus, version: number, quantity: number, expiresAt?: string | null, createdAt: string, specialRequests?: string | null, cancellationReason?: CancellationReason | null, cancellationNotes?: string | null, cancellationRefundMinor?: number | null, cancellationFeeMinor?: number | null, cancellationRefundPercent?: number | null, price: { __typename?: 'PriceSnapshot', base: number, tax: number, discount: number, total: number, currency: string }, payment?: { __typename?: 'Payment', id: string, status: PaymentStatus, amount: number, amountPaid: number, amountRefunded: number, currency: string, failureReason?: string | null, refunds: Array<{ __typename?: 'Refund', id: string, amount: number, status: RefundStatus, reason: string, currency: string }> } | null, zone: { __typename?: 'Zone', id: string, name: string, available: number, slot: { __typename?: 'Slot', id: string, title: string, startsAt: string, maxPerUser: number, venue: { __typename?: 'Venue', id: string, name: string } } }, statusHistory: Array<{ __typename?: 'BookingStatusChange', fromStatus?: BookingStatus | null, toStatus: BookingStatus, reason?: string | null, at: string }> } | null };

export type MyBookingsQueryVariables = Exact<{ [key: string]: never; }>;


export type MyBookingsQuery = { __typename?: 'Query', myBookings: { __typename?: 'BookingConnection', edges: Array<{ __typename?: 'BookingEdge', node: { __typename?: 'Booking', id: string, reference: string, status: BookingStatus, version: number, quantity: number, expiresAt?: string | null, price: { __typename?: 'PriceSnapshot', total: number, currency: string }, payment?: { __typename?: 'Payment', id: string, status: PaymentStatus } | null, zone: { __typename?: 'Zone', id: string, name: string, slot: { __typename?: 'Slot', id: string, title: string, startsAt: string, venue: { __typename?: 'Venue', id: string, name: string } } } } }> } };

export type MyBookingUpdatesSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type MyBookingUpdatesSubscription = { __typename?: 'Subscription', myBookingUpdates?: { __typename?: 'Booking', id: string, status: BookingStatus, version: number, quantity: number, expiresAt?: string | null, payment?: { __typename?: 'Payment', id: string, status: PaymentStatus } | null } | null };

export type PayBookingMutationVariables = Exact<{
  input: PayBookingInput;
}>;


export type PayBookingMutation = { __typename?: 'Mutation', payBooking: { __typename?: 'Payment', id: string, status: PaymentStatus, failureReason?: string | null } };

export type CancellationQuoteQueryVariables = Exact<{
  bookingId: Scalars['ID']['input'];
}>;


export type CancellationQuoteQuery = { __typename?: 'Query', cancellationQuote: { __typename?: 'CancellationQuote', currency: string, deadlinePassed: boolean, feeMinor: number, refundMinor: number, refundPercent: number } };

export type CancelBookingMutationVariables = Exact<{
  input: CancelBookingInput;
}>;


export type CancelBookingMutation = { __typename?: 'Mutation', cancelBooking: { __typename?: 'Booking', id: string, reference: string, status: BookingStatus, version: number, quantity: number, expiresAt?: string | null, createdAt: string, specialRequests?: string | null, cancellationReason?: CancellationReason | null, cancellationNotes?: string | null, cancellationRefundMinor?: number | null, cancellationFeeMinor?: number | null, cancellationRefundPercent?: number | null, price: { __typename?: 'PriceSnapshot', base: number, tax: number, discount: number, total: number, currency: string }, payment?: { __typename?: 'Payment', id: string, status: PaymentStatus, amount: number, amountPaid: number, amountRefunded: number, currency: string, failureReason?: string | null, refunds: Array<{ __typename?: 'Refund', id: string, amount: number, status: RefundStatus, reason: string, currency: string }> } | null, zone: { __typename?: 'Zone', id: string, name: string, available: number, slot: { __typename?: 'Slot', id: string, title: string, startsAt: string, maxPerUser: number, venue: { __typename?: 'Venue', id: string, name: string } } }, statusHistory: Array<{ __typename?: 'BookingStatusChange', fromStatus?: BookingStatus | null, toStatus: BookingStatus, reason?: string | null, at: string }> } };

export type UpdateBookingMutationVariables = Exact<{
  input: UpdateBookingInput;
}>;


export type UpdateBookingMutation = { __typename?: 'Mutation', updateBooking: { __typename?: 'Booking', id: string, reference: string, status: BookingStatus, version: number, quantity: number, expiresAt?: string | null, createdAt: string, specialRequests?: string | null, cancellationReason?: CancellationReason | null, cancellationNotes?: string | null, cancellationRefundMinor?: number | null, cancellationFeeMinor?: number | null, cancellationRefundPercent?: number | null, price: { __typename?: 'PriceSnapshot', base: number, tax: number, discount: number, total: number, currency: string }, payment?: { __typename?: 'Payment', id: string, status: PaymentStatus, amount: number, amountPaid: number, amountRefunded: number, currency: string, failureReason?: string | null, refunds: Array<{ __typename?: 'Refund', id: string, amount: number, status: RefundStatus, reason: string, currency: string }> } | null, zone: { __typename?: 'Zone', id: string, name: string, available: number, slot: { __typename?: 'Slot', id: string, title: string, startsAt: string, maxPerUser: number, venue: { __typename?: 'Venue', id: string, name: string } } }, statusHistory: Array<{ __typename?: 'BookingStatusChange', fromStatus?: BookingStatus | null, toStatus: BookingStatus, reason?: string | null, at: string }> } };

export type CreateSlotMutationVariables = Exact<{
  input: CreateSlotInput;
}>;


export type CreateSlotMutation = { __typename?: 'Mutation', createSlot: { __typename?: 'Slot', id: string, title: string, startsAt: string } };

export type CreateZoneMutationVariables = Exact<{
  input: CreateZoneInput;
}>;


export type CreateZoneMutation = { __typename?: 'Mutation', createZone: { __typename?: 'Zone', id: string, name: string, capacity: number, available: number } };

export type BookingByReferenceQueryVariables = Exact<{
  reference: Scalars['String']['input'];
}>;


export type BookingByReferenceQuery = { __typename?: 'Query', bookingByReference: { __typename?: 'Booking', id: string, reference: string, status: BookingStatus, version: number, quantity: number, zone: { __typename?: 'Zone', id: string, name: string, slot: { __typename?: 'Slot', id: string, title: string, startsAt: string } } } };

export type CheckInMutationVariables = Exact<{
  input: BookingTransitionInput;
}>;


export type CheckInMutation = { __typename?: 'Mutation', checkInBooking: { __typename?: 'Booking', id: string, status: BookingStatus, version: number } };

export type JoinWaitingRoomMutationVariables = Exact<{
  slotId: Scalars['ID']['input'];
}>;


export type JoinWaitingRoomMutation = { __typename?: 'Mutation', joinWaitingRoom: { __typename?: 'WaitingRoomTicket', position?: number | null, estimatedWaitSeconds?: number | null, status: WaitingRoomTicketStatus, admittedUntil?: string | null } };

export type WaitingRoomUpdatesSubscriptionVariables = Exact<{
  slotId: Scalars['ID']['input'];
}>;


export type WaitingRoomUpdatesSubscription = { __typename?: 'Subscription', waitingRoomUpdates?: { __typename?: 'WaitingRoomTicket', position?: number | null, estimatedWaitSeconds?: number | null, status: WaitingRoomTicketStatus, admittedUntil?: string | null } | null };

export type JoinWaitlistMutationVariables = Exact<{
  zoneId: Scalars['ID']['input'];
  quantity: Scalars['Int']['input'];
}>;


export type JoinWaitlistMutation = { __typename?: 'Mutation', joinWaitlist: { __typename?: 'WaitlistEntry', id: string, status: WaitlistStatus, position?: number | null, quantity: number } };

export type MyWaitlistQueryVariables = Exact<{ [key: string]: never; }>;


export type MyWaitlistQuery = { __typename?: 'Query', myWaitlist: Array<{ __typename?: 'WaitlistEntry', id: string, status: WaitlistStatus, position?: number | null, quantity: number, offer?: { __typename?: 'WaitlistOffer', quantity: number, expiresAt: string } | null, zone: { __typename?: 'Zone', id: string, name: string, slot: { __typename?: 'Slot', id: string, title: string } } }> };

export type NotificationAddedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type NotificationAddedSubscription = { __typename?: 'Subscription', notificationAdded?: { __typename?: 'Notification', id: string, subject: string } | null };

export const BookingFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BookingFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Booking"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"specialRequests"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationReason"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationNotes"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationRefundMinor"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationFeeMinor"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationRefundPercent"}},{"kind":"Field","name":{"kind":"Name","value":"price"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"base"}},{"kind":"Field","name":{"kind":"Name","value":"tax"}},{"kind":"Field","name":{"kind":"Name","value":"discount"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"amountPaid"}},{"kind":"Field","name":{"kind":"Name","value":"amountRefunded"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"failureReason"}},{"kind":"Field","name":{"kind":"Name","value":"refunds"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"zone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"slot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}},{"kind":"Field","name":{"kind":"Name","value":"maxPerUser"}},{"kind":"Field","name":{"kind":"Name","value":"venue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"statusHistory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromStatus"}},{"kind":"Field","name":{"kind":"Name","value":"toStatus"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<BookingFieldsFragment, unknown>;
export const VenuesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Venues"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"venues"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"city"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"contactEmail"}},{"kind":"Field","name":{"kind":"Name","value":"slots"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}},{"kind":"Field","name":{"kind":"Name","value":"endsAt"}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"waitingRoomActive"}},{"kind":"Field","name":{"kind":"Name","value":"zones"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"capacity"}},{"kind":"Field","name":{"kind":"Name","value":"price"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<VenuesQuery, VenuesQueryVariables>;
export const SlotDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Slot"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slot"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}},{"kind":"Field","name":{"kind":"Name","value":"endsAt"}},{"kind":"Field","name":{"kind":"Name","value":"maxPerUser"}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"saleStartsAt"}},{"kind":"Field","name":{"kind":"Name","value":"waitingRoomActive"}},{"kind":"Field","name":{"kind":"Name","value":"venue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"city"}}]}},{"kind":"Field","name":{"kind":"Name","value":"zones"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"capacity"}},{"kind":"Field","name":{"kind":"Name","value":"price"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]}}]} as unknown as DocumentNode<SlotQuery, SlotQueryVariables>;
export const AvailabilityChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"AvailabilityChanged"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"slotId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"availabilityChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"slotId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"slotId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"zone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"capacity"}}]}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"capacity"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<AvailabilityChangedSubscription, AvailabilityChangedSubscriptionVariables>;
export const ReserveSeatsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReserveSeats"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ReserveSeatsInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reserveSeats"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]} as unknown as DocumentNode<ReserveSeatsMutation, ReserveSeatsMutationVariables>;
export const BookingDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Booking"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"booking"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BookingFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BookingFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Booking"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"specialRequests"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationReason"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationNotes"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationRefundMinor"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationFeeMinor"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationRefundPercent"}},{"kind":"Field","name":{"kind":"Name","value":"price"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"base"}},{"kind":"Field","name":{"kind":"Name","value":"tax"}},{"kind":"Field","name":{"kind":"Name","value":"discount"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"amountPaid"}},{"kind":"Field","name":{"kind":"Name","value":"amountRefunded"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"failureReason"}},{"kind":"Field","name":{"kind":"Name","value":"refunds"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"zone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"slot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}},{"kind":"Field","name":{"kind":"Name","value":"maxPerUser"}},{"kind":"Field","name":{"kind":"Name","value":"venue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"statusHistory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromStatus"}},{"kind":"Field","name":{"kind":"Name","value":"toStatus"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<BookingQuery, BookingQueryVariables>;
export const BookingStatusChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"BookingStatusChanged"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"bookingId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bookingStatusChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"bookingId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"bookingId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BookingFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BookingFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Booking"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"specialRequests"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationReason"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationNotes"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationRefundMinor"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationFeeMinor"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationRefundPercent"}},{"kind":"Field","name":{"kind":"Name","value":"price"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"base"}},{"kind":"Field","name":{"kind":"Name","value":"tax"}},{"kind":"Field","name":{"kind":"Name","value":"discount"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"amountPaid"}},{"kind":"Field","name":{"kind":"Name","value":"amountRefunded"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"failureReason"}},{"kind":"Field","name":{"kind":"Name","value":"refunds"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"zone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"slot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}},{"kind":"Field","name":{"kind":"Name","value":"maxPerUser"}},{"kind":"Field","name":{"kind":"Name","value":"venue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"statusHistory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromStatus"}},{"kind":"Field","name":{"kind":"Name","value":"toStatus"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<BookingStatusChangedSubscription, BookingStatusChangedSubscriptionVariables>;
export const MyBookingsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MyBookings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"myBookings"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"50"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"price"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"zone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"slot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}},{"kind":"Field","name":{"kind":"Name","value":"venue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<MyBookingsQuery, MyBookingsQueryVariables>;
export const MyBookingUpdatesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"MyBookingUpdates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"myBookingUpdates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]}}]} as unknown as DocumentNode<MyBookingUpdatesSubscription, MyBookingUpdatesSubscriptionVariables>;
export const PayBookingDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PayBooking"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PayBookingInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"payBooking"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"failureReason"}}]}}]}}]} as unknown as DocumentNode<PayBookingMutation, PayBookingMutationVariables>;
export const CancellationQuoteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CancellationQuote"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"bookingId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cancellationQuote"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"bookingId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"bookingId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"deadlinePassed"}},{"kind":"Field","name":{"kind":"Name","value":"feeMinor"}},{"kind":"Field","name":{"kind":"Name","value":"refundMinor"}},{"kind":"Field","name":{"kind":"Name","value":"refundPercent"}}]}}]}}]} as unknown as DocumentNode<CancellationQuoteQuery, CancellationQuoteQueryVariables>;
export const CancelBookingDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CancelBooking"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CancelBookingInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cancelBooking"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BookingFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BookingFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Booking"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"specialRequests"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationReason"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationNotes"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationRefundMinor"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationFeeMinor"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationRefundPercent"}},{"kind":"Field","name":{"kind":"Name","value":"price"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"base"}},{"kind":"Field","name":{"kind":"Name","value":"tax"}},{"kind":"Field","name":{"kind":"Name","value":"discount"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"amountPaid"}},{"kind":"Field","name":{"kind":"Name","value":"amountRefunded"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"failureReason"}},{"kind":"Field","name":{"kind":"Name","value":"refunds"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"zone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"slot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}},{"kind":"Field","name":{"kind":"Name","value":"maxPerUser"}},{"kind":"Field","name":{"kind":"Name","value":"venue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"statusHistory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromStatus"}},{"kind":"Field","name":{"kind":"Name","value":"toStatus"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<CancelBookingMutation, CancelBookingMutationVariables>;
export const UpdateBookingDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateBooking"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateBookingInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateBooking"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BookingFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BookingFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Booking"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"specialRequests"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationReason"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationNotes"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationRefundMinor"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationFeeMinor"}},{"kind":"Field","name":{"kind":"Name","value":"cancellationRefundPercent"}},{"kind":"Field","name":{"kind":"Name","value":"price"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"base"}},{"kind":"Field","name":{"kind":"Name","value":"tax"}},{"kind":"Field","name":{"kind":"Name","value":"discount"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"amountPaid"}},{"kind":"Field","name":{"kind":"Name","value":"amountRefunded"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"failureReason"}},{"kind":"Field","name":{"kind":"Name","value":"refunds"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"zone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"slot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}},{"kind":"Field","name":{"kind":"Name","value":"maxPerUser"}},{"kind":"Field","name":{"kind":"Name","value":"venue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"statusHistory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromStatus"}},{"kind":"Field","name":{"kind":"Name","value":"toStatus"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<UpdateBookingMutation, UpdateBookingMutationVariables>;
export const CreateSlotDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateSlot"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateSlotInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createSlot"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}}]}}]}}]} as unknown as DocumentNode<CreateSlotMutation, CreateSlotMutationVariables>;
export const CreateZoneDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateZone"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateZoneInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createZone"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"capacity"}},{"kind":"Field","name":{"kind":"Name","value":"available"}}]}}]}}]} as unknown as DocumentNode<CreateZoneMutation, CreateZoneMutationVariables>;
export const BookingByReferenceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BookingByReference"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reference"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bookingByReference"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"reference"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reference"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"zone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"slot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<BookingByReferenceQuery, BookingByReferenceQueryVariables>;
export const CheckInDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CheckIn"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"BookingTransitionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkInBooking"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}}]} as unknown as DocumentNode<CheckInMutation, CheckInMutationVariables>;
export const JoinWaitingRoomDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"JoinWaitingRoom"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"slotId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"joinWaitingRoom"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"slotId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"slotId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"position"}},{"kind":"Field","name":{"kind":"Name","value":"estimatedWaitSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"admittedUntil"}}]}}]}}]} as unknown as DocumentNode<JoinWaitingRoomMutation, JoinWaitingRoomMutationVariables>;
export const WaitingRoomUpdatesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"WaitingRoomUpdates"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"slotId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"waitingRoomUpdates"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"slotId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"slotId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"position"}},{"kind":"Field","name":{"kind":"Name","value":"estimatedWaitSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"admittedUntil"}}]}}]}}]} as unknown as DocumentNode<WaitingRoomUpdatesSubscription, WaitingRoomUpdatesSubscriptionVariables>;
export const JoinWaitlistDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"JoinWaitlist"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"zoneId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"quantity"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"joinWaitlist"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"zoneId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"zoneId"}}},{"kind":"Argument","name":{"kind":"Name","value":"quantity"},"value":{"kind":"Variable","name":{"kind":"Name","value":"quantity"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"position"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}}]}}]}}]} as unknown as DocumentNode<JoinWaitlistMutation, JoinWaitlistMutationVariables>;
export const MyWaitlistDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MyWaitlist"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"myWaitlist"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"position"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"offer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"zone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"slot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}}]}}]}}]} as unknown as DocumentNode<MyWaitlistQuery, MyWaitlistQueryVariables>;
export const NotificationAddedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"NotificationAdded"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"notificationAdded"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}}]}}]}}]} as unknown as DocumentNode<NotificationAddedSubscription, NotificationAddedSubscriptionVariables>;