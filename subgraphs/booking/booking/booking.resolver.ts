import {
  Arg,
  Ctx,
  FieldResolver,
  GraphQLISODateTime,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from "type-graphql";
import { SERVED_BY_GATEWAY, RESUME_AFTER, type RequestContext } from "../../../lib/graphql/subgraph";
import type { BookingContext } from "../booking.loaders";
import { ZoneReference } from "../zone/zone.type";
import type { Booking, BookingStatus } from "./booking.model";
import {
  BookingTransitionInputType,
  CancelBookingInputType,
  ReserveSeatsInputType,
  UpdateBookingInputType,
} from "./booking.input";
import type { LifecycleService } from "./booking.lifecycle";
import type { BookingRepository } from "./booking.repository";
import type { ReservationService } from "./booking.reservation";
import type { BookingPage, BookingQueries } from "./booking.service";
import { isAwaitingPayment } from "./booking.state";
import {
  BookingConnectionType,
  BookingStatusChangeType,
  BookingStatusEnum,
  BookingType,
  CancellationQuoteType,
  RefundTierType,
} from "./booking.type";

@Resolver(() => BookingType)
export class BookingResolver {
  constructor(
    private readonly queries: BookingQueries,
    private readonly reservations: ReservationService,
    private readonly lifecycle: LifecycleService,
    private readonly bookings: BookingRepository,
  ) {}

  @Mutation(() => BookingType, {
    description: "Cancels a booking. Cancelling a cancelled booking returns it unchanged.",
  })
  cancelBooking(
    @Arg("input", () => CancelBookingInputType) input: CancelBookingInputType,
    @Ctx() ctx: RequestContext,
  ): Promise<Booking> {
    return this.lifecycle.cancelBooking(ctx.principal, input);
  }

  @Mutation(() => BookingType, {
    description: "Changes quantity or special requests of a PENDING or CONFIRMED booking.",
  })
  updateBooking(@Arg("input", () => UpdateBookingInputType) input: UpdateBookingInputType, @Ctx() ctx: RequestContext) {
    return this.lifecycle.updateBooking(ctx.principal, input);
  }

  @Mutation(() => BookingType, { description: "Organizers and admins: CONFIRMED → CHECKED_IN." })
  checkInBooking(
    @Arg("input", () => BookingTransitionInputType) input: BookingTransitionInputType,
    @Ctx() ctx: RequestContext,
  ) {
    return this.lifecycle.checkIn(ctx.principal, input);
  }

  @Mutation(() => BookingType, { description: "Organizers and admins: CONFIRMED or CHECKED_IN → COMPLETED." })
  completeBooking(
    @Arg("input", () => BookingTransitionInputType) input: BookingTransitionInputType,
    @Ctx() ctx: RequestContext,
  ) {
    return this.lifecycle.complete(ctx.principal, input);
  }

  @Mutation(() => BookingType, { description: "Organizers and admins: CONFIRMED → NO_SHOW." })
  markNoShow(
    @Arg("input", () => BookingTransitionInputType) input: BookingTransitionInputType,
    @Ctx() ctx: RequestContext,
  ) {
    return this.lifecycle.markNoShow(ctx.principal, input);
  }

  @Query(() => CancellationQuoteType, {
    description: "What cancelling this booking now would refund (its guest, the venue's organizer, admins).",
  })
  cancellationQuote(@Arg("bookingId", () => ID) bookingId: string, @Ctx() ctx: RequestContext) {
    return this.lifecycle.cancellationQuote(ctx.principal, bookingId);
  }

  /** Only an unpaid hold lapses; once the booking left PENDING the column is history, not a deadline. */
  @FieldResolver(() => GraphQLISODateTime, {
    nullable: true,
    description: "When an unpaid hold lapses; null once the booking is no longer PENDING.",
  })
  expiresAt(@Root() booking: Booking): Date | null {
    return isAwaitingPayment(booking.status) ? booking.expiresAt : null;
  }

  @FieldResolver(() => [RefundTierType], {
    description: "The venue's cancellation policy when this booking was made (empty: full refund).",
  })
  cancellationPolicy(@Root() booking: Booking) {
    return booking.cancellationPolicy ?? [];
  }

  @FieldResolver(() => [BookingStatusChangeType], { description: "Every transition, oldest first." })
  statusHistory(@Root() booking: Booking, @Ctx() ctx: BookingContext) {
    return ctx.loaders.statusHistory.load(booking.id);
  }

  @Mutation(() => BookingType, {
    description: "Holds seats and creates a PENDING booking that must be paid before expiresAt.",
  })
  reserveSeats(
    @Arg("input", () => ReserveSeatsInputType) input: ReserveSeatsInputType,
    @Ctx() ctx: RequestContext,
  ): Promise<Booking> {
    return this.reservations.reserveSeats(ctx.principal, input);
  }

  @Subscription(() => BookingType, {
    nullable: true,
    description:
      "The booking after each change (status, payment, quantity): its guest, the venue's organizer and admins only.",
    subscribe: SERVED_BY_GATEWAY,
  })
  bookingStatusChanged(
    @Arg("bookingId", () => ID) _bookingId: string,
    @Arg("after", () => String, { nullable: true, description: RESUME_AFTER }) _after?: string | null,
  ): Booking | null {
    return null;
  }

  @Subscription(() => BookingType, {
    nullable: true,
    description: "Each of your bookings after it changes (sign-in required).",
    subscribe: SERVED_BY_GATEWAY,
  })
  myBookingUpdates(
    @Arg("after", () => String, { nullable: true, description: RESUME_AFTER }) _after?: string | null,
  ): Booking | null {
    return null;
  }

  @Query(() => BookingType, { description: "A booking you own (admins: any booking)." })
  booking(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Booking> {
    return this.queries.byId(ctx.principal, id);
  }

  @Query(() => BookingType, { description: "A booking by its human reference, e.g. BR-20261122-K7M2QX." })
  bookingByReference(@Arg("reference", () => String) reference: string, @Ctx() ctx: RequestContext): Promise<Booking> {
    return this.queries.byReference(ctx.principal, reference);
  }

  @Query(() => BookingConnectionType, { description: "Your bookings, newest first." })
  myBookings(
    @Arg("first", () => Int, { defaultValue: 20, description: "Page size, 1–100." }) first: number,
    @Arg("after", () => String, { nullable: true, description: "endCursor of the previous page." })
    after: string | null,
    @Arg("status", () => [BookingStatusEnum], { nullable: true, description: "Only these statuses." })
    status: BookingStatus[] | null,
    @Ctx() ctx: RequestContext,
  ): Promise<BookingPage> {
    return this.queries.mine(ctx.principal, { first, after, statuses: status });
  }

  @FieldResolver(() => ZoneReference)
  zone(@Root() booking: Booking): ZoneReference {
    return { id: booking.zoneId };
  }
}

/** `_entities` for Booking: the same visibility rule as the `booking` query, applied to each. */
export const resolveBookingReference =
  (queries: BookingQueries) =>
  (ref: { id: string }, ctx: BookingContext): Promise<Booking> =>
    queries.byId(ctx.principal, ref.id, (id) => ctx.loaders.booking.load(id));
