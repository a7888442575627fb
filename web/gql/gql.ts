/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Venues {\n    venues {\n      id\n      name\n      city\n      kind\n      contactEmail\n      slots {\n        id\n        title\n        startsAt\n        endsAt\n        available\n        waitingRoomActive\n        zones {\n          id\n          name\n          available\n          capacity\n          price {\n            amount\n            currency\n          }\n        }\n      }\n    }\n  }\n": typeof types.VenuesDocument,
    "\n  query Slot($id: ID!) {\n    slot(id: $id) {\n      id\n      title\n      startsAt\n      endsAt\n      maxPerUser\n      available\n      saleStartsAt\n      waitingRoomActive\n      venue {\n        id\n        name\n        city\n      }\n      zones {\n        id\n        name\n        available\n        capacity\n        price {\n          amount\n          currency\n        }\n      }\n    }\n  }\n": typeof types.SlotDocument,
    "\n  subscription AvailabilityChanged($slotId: ID!) {\n    availabilityChanged(slotId: $slotId) {\n      zone {\n        id\n        available\n        capacity\n      }\n      available\n      capacity\n      at\n    }\n  }\n": typeof types.AvailabilityChangedDocument,
    "\n  mutation ReserveSeats($input: ReserveSeatsInput!) {\n    reserveSeats(input: $input) {\n      id\n      reference\n      status\n      quantity\n      expiresAt\n    }\n  }\n": typeof types.ReserveSeatsDocument,
    "\n  fragment BookingFields on Booking {\n    id\n    reference\n    status\n    version\n    quantity\n    expiresAt\n    createdAt\n    specialRequests\n    cancellationReason\n    cancellationNotes\n    cancellationRefundMinor\n    cancellationFeeMinor\n    cancellationRefundPercent\n    price {\n      base\n      tax\n      discount\n      total\n      currency\n    }\n    payment {\n      id\n      status\n      amount\n      amountPaid\n      amountRefunded\n      currency\n      failureReason\n      refunds {\n        id\n        amount\n        status\n        reason\n        currency\n      }\n    }\n    zone {\n      id\n      name\n      available\n      slot {\n        id\n        title\n        startsAt\n        maxPerUser\n        venue {\n          id\n          name\n        }\n      }\n    }\n    statusHistory {\n      fromStatus\n      toStatus\n      reason\n      at\n    }\n  }\n": typeof types.BookingFieldsFragmentDoc,
    "\n  query Booking($id: ID!) {\n    booking(id: $id) {\n      ...BookingFields\n    }\n  }\n": typeof types.BookingDocument,
    "\n  subscription BookingStatusChanged($bookingId: ID!) {\n    bookingStatusChanged(bookingId: $bookingId) {\n      ...BookingFields\n    }\n  }\n": typeof types.BookingStatusChangedDocument,
    "\n  query MyBookings {\n    myBookings(first: 50) {\n      edges {\n        node {\n          id\n          reference\n          status\n          version\n          quantity\n          expiresAt\n          price {\n            total\n            currency\n          }\n          payment {\n            id\n            status\n          }\n          zone {\n            id\n            name\n            slot {\n              id\n              title\n              startsAt\n              venue {\n                id\n                name\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.MyBookingsDocument,
    "\n  subscription MyBookingUpdates {\n    myBookingUpdates {\n      id\n      status\n      version\n      quantity\n      expiresAt\n      payment {\n        id\n        status\n      }\n    }\n  }\n": typeof types.MyBookingUpdatesDocument,
    "\n  mutation PayBooking($input: PayBookingInput!) {\n    payBooking(input: $input) {\n      id\n      status\n      failureReason\n    }\n  }\n": typeof types.PayBookingDocument,
    "\n  query CancellationQuote($bookingId: ID!) {\n    cancellationQuote(bookingId: $bookingId) {\n      currency\n      deadlinePassed\n      feeMinor\n      refundMinor\n      refundPercent\n    }\n  }\n": typeof types.CancellationQuoteDocument,
    "\n  mutation CancelBooking($input: CancelBookingInput!) {\n    cancelBooking(input: $input) {\n      ...BookingFields\n    }\n  }\n": typeof types.CancelBookingDocument,
    "\n  mutation UpdateBooking($input: UpdateBookingInput!) {\n    updateBooking(input: $input) {\n      ...BookingFields\n    }\n  }\n": typeof types.UpdateBookingDocument,
    "\n  mutation CreateSlot($input: CreateSlotInput!) {\n    createSlot(input: $input) {\n      id\n      title\n      startsAt\n    }\n  }\n": typeof types.CreateSlotDocument,
    "\n  mutation CreateZone($input: CreateZoneInput!) {\n    createZone(input: $input) {\n      id\n      name\n      capacity\n      available\n    }\n  }\n": typeof types.CreateZoneDocument,
    "\n  query BookingByReference($reference: String!) {\n    bookingByReference(reference: $reference) {\n      id\n      reference\n      status\n      version\n      quantity\n      zone {\n        id\n        name\n        slot {\n          id\n          title\n          startsAt\n        }\n      }\n    }\n  }\n": typeof types.BookingByReferenceDocument,
    "\n  mutation CheckIn($input: BookingTransitionInput!) {\n    checkInBooking(input: $input) {\n      id\n      status\n      version\n    }\n  }\n": typeof types.CheckInDocument,
    "\n  mutation JoinWaitingRoom($slotId: ID!) {\n    joinWaitingRoom(slotId: $slotId) {\n      position\n      estimatedWaitSeconds\n      status\n      admittedUntil\n    }\n  }\n": typeof types.JoinWaitingRoomDocument,
    "\n  subscription WaitingRoomUpdates($slotId: ID!) {\n    waitingRoomUpdates(slotId: $slotId) {\n      position\n      estimatedWaitSeconds\n      status\n      admittedUntil\n    }\n  }\n": typeof types.WaitingRoomUpdatesDocument,
    "\n  mutation JoinWaitlist($zoneId: ID!, $quantity: Int!) {\n    joinWaitlist(zoneId: $zoneId, quantity: $quantity) {\n      id\n      status\n      position\n      quantity\n    }\n  }\n": typeof types.JoinWaitlistDocument,
    "\n  query MyWaitlist {\n    myWaitlist {\n      id\n      status\n      position\n      quantity\n      offer {\n        quantity\n        expiresAt\n      }\n      zone {\n        id\n        name\n        slot {\n          id\n          title\n        }\n      }\n    }\n  }\n": typeof types.MyWaitlistDocument,
    "\n  subscription NotificationAdded {\n    notificationAdded {\n      id\n      subject\n    }\n  }\n": typeof types.NotificationAddedDocument,
};
const documents: Documents = {
    "\n  query Venues {\n    venues {\n      id\n      name\n      city\n      kind\n      contactEmail\n      slots {\n        id\n        title\n        startsAt\n        endsAt\n        available\n        waitingRoomActive\n        zones {\n          id\n          name\n          available\n          capacity\n          price {\n            amount\n            currency\n          }\n        }\n      }\n    }\n  }\n": types.VenuesDocument,
    "\n  query Slot($id: ID!) {\n    slot(id: $id) {\n      id\n      title\n      startsAt\n      endsAt\n      maxPerUser\n      available\n      saleStartsAt\n      waitingRoomActive\n      venue {\n        id\n        name\n        city\n      }\n      zones {\n        id\n        name\n        available\n        capacity\n        price {\n          amount\n          currency\n        }\n      }\n    }\n  }\n": types.SlotDocument,
    "\n  subscription AvailabilityChanged($slotId: ID!) {\n    availabilityChanged(slotId: $slotId) {\n      zone {\n        id\n        available\n        capacity\n      }\n      available\n      capacity\n      at\n    }\n  }\n": types.AvailabilityChangedDocument,
    "\n  mutation ReserveSeats($input: ReserveSeatsInput!) {\n    reserveSeats(input: $input) {\n      id\n      reference\n      status\n      quantity\n      expiresAt\n    }\n  }\n": types.ReserveSeatsDocument,
    "\n  fragment BookingFields on Booking {\n    id\n    reference\n    status\n    version\n    quantity\n    expiresAt\n    createdAt\n    specialRequests\n    cancellationReason\n    cancellationNotes\n    cancellationRefundMinor\n    cancellationFeeMinor\n    cancellationRefundPercent\n    price {\n      base\n      tax\n      discount\n      total\n      currency\n    }\n    payment {\n      id\n      status\n      amount\n      amountPaid\n      amountRefunded\n      currency\n      failureReason\n      refunds {\n        id\n        amount\n        status\n        reason\n        currency\n      }\n    }\n    zone {\n      id\n      name\n      available\n      slot {\n        id\n        title\n        startsAt\n        maxPerUser\n        venue {\n          id\n          name\n        }\n      }\n    }\n    statusHistory {\n      fromStatus\n      toStatus\n      reason\n      at\n    }\n  }\n": types.BookingFieldsFragmentDoc,
    "\n  query Booking($id: ID!) {\n    booking(id: $id) {\n      ...BookingFields\n    }\n  }\n": types.BookingDocument,
    "\n  subscription BookingStatusChanged($bookingId: ID!) {\n    bookingStatusChanged(bookingId: $bookingId) {\n      ...BookingFields\n    }\n  }\n": types.BookingStatusChangedDocument,
    "\n  query MyBookings {\n    myBookings(first: 50) {\n      edges {\n        node {\n          id\n          reference\n          status\n          version\n          quantity\n          expiresAt\n          price {\n            total\n            currency\n          }\n          payment {\n            id\n            status\n          }\n          zone {\n            id\n            name\n            slot {\n              id\n              title\n              startsAt\n              venue {\n                id\n                name\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": types.MyBookingsDocument,
    "\n  subscription MyBookingUpdates {\n    myBookingUpdates {\n      id\n      status\n      version\n      quantity\n      expiresAt\n      payment {\n        id\n        status\n      }\n    }\n  }\n": types.MyBookingUpdatesDocument,
    "\n  mutation PayBooking($input: PayBookingInput!) {\n    payBooking(input: $input) {\n      id\n      status\n      failureReason\n    }\n  }\n": types.PayBookingDocument,
    "\n  query CancellationQuote($bookingId: ID!) {\n    cancellationQuote(bookingId: $bookingId) {\n      currency\n      deadlinePassed\n      feeMinor\n      refundMinor\n      refundPercent\n    }\n  }\n": types.CancellationQuoteDocument,
    "\n  mutation CancelBooking($input: CancelBookingInput!) {\n    cancelBooking(input: $input) {\n      ...BookingFields\n    }\n  }\n": types.CancelBookingDocument,
    "\n  mutation UpdateBooking($input: UpdateBookingInput!) {\n    updateBooking(input: $input) {\n      ...BookingFields\n    }\n  }\n": types.UpdateBookingDocument,
    "\n  mutation CreateSlot($input: CreateSlotInput!) {\n    createSlot(input: $input) {\n      id\n      title\n      startsAt\n    }\n  }\n": types.CreateSlotDocument,
    "\n  mutation CreateZone($input: CreateZoneInput!) {\n    createZone(input: $input) {\n      id\n      name\n      capacity\n      available\n    }\n  }\n": types.CreateZoneDocument,
    "\n  query BookingByReference($reference: String!) {\n    bookingByReference(reference: $reference) {\n      id\n      reference\n      status\n      version\n      quantity\n      zone {\n        id\n        name\n        slot {\n          id\n          title\n          startsAt\n        }\n      }\n    }\n  }\n": types.BookingByReferenceDocument,
    "\n  mutation CheckIn($input: BookingTransitionInput!) {\n    checkInBooking(input: $input) {\n      id\n      status\n      version\n    }\n  }\n": types.CheckInDocument,
    "\n  mutation JoinWaitingRoom($slotId: ID!) {\n    joinWaitingRoom(slotId: $slotId) {\n      position\n      estimatedWaitSeconds\n      status\n      admittedUntil\n    }\n  }\n": types.JoinWaitingRoomDocument,
    "\n  subscription WaitingRoomUpdates($slotId: ID!) {\n    waitingRoomUpdates(slotId: $slotId) {\n      position\n      estimatedWaitSeconds\n      status\n      admittedUntil\n    }\n  }\n": types.WaitingRoomUpdatesDocument,
    "\n  mutation JoinWaitlist($zoneId: ID!, $quantity: Int!) {\n    joinWaitlist(zoneId: $zoneId, quantity: $quantity) {\n      id\n      status\n      position\n      quantity\n    }\n  }\n": types.JoinWaitlistDocument,
    "\n  query MyWaitlist {\n    myWaitlist {\n      id\n      status\n      position\n      quantity\n      offer {\n        quantity\n        expiresAt\n      }\n      zone {\n        id\n        name\n        slot {\n          id\n          title\n        }\n      }\n    }\n  }\n": types.MyWaitlistDocument,
    "\n  subscription NotificationAdded {\n    notificationAdded {\n      id\n      subject\n    }\n  }\n": types.NotificationAddedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Venues {\n    venues {\n      id\n      name\n      city\n      kind\n      contactEmail\n      slots {\n        id\n        title\n        startsAt\n        endsAt\n        available\n        waitingRoomActive\n        zones {\n          id\n          name\n          available\n          capacity\n          price {\n            amount\n            currency\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Venues {\n    venues {\n      id\n      name\n      city\n      kind\n      contactEmail\n      slots {\n        id\n        title\n        startsAt\n        endsAt\n        available\n        waitingRoomActive\n        zones {\n          id\n          name\n          available\n          capacity\n          price {\n            amount\n            currency\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Slot($id: ID!) {\n    slot(id: $id) {\n      id\n      title\n      startsAt\n      endsAt\n      maxPerUser\n      available\n      saleStartsAt\n      waitingRoomActive\n      venue {\n        id\n        name\n        city\n      }\n      zones {\n        id\n        name\n        available\n        capacity\n        price {\n          amount\n          currency\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Slot($id: ID!) {\n    slot(id: $id) {\n      id\n      title\n      startsAt\n      endsAt\n      maxPerUser\n      available\n      saleStartsAt\n      waitingRoomActive\n      venue {\n        id\n        name\n        city\n      }\n      zones {\n        id\n        name\n        available\n        capacity\n        price {\n          amount\n          currency\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AvailabilityChanged($slotId: ID!) {\n    availabilityChanged(slotId: $slotId) {\n      zone {\n        id\n        available\n        capacity\n      }\n      available\n      capacity\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription AvailabilityChanged($slotId: ID!) {\n    availabilityChanged(slotId: $slotId) {\n      zone {\n        id\n        available\n        capacity\n      }\n      available\n      capacity\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReserveSeats($input: ReserveSeatsInput!) {\n    reserveSeats(input: $input) {\n      id\n      reference\n      status\n      quantity\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation ReserveSeats($input: ReserveSeatsInput!) {\n    reserveSeats(input: $input) {\n      id\n      reference\n      status\n      quantity\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BookingFields on Booking {\n    id\n    reference\n    status\n    version\n    quantity\n    expiresAt\n    createdAt\n    specialRequests\n    cancellationReason\n    cancellationNotes\n    cancellationRefundMinor\n    cancellationFeeMinor\n    cancellationRefundPercent\n    price {\n      base\n      tax\n      discount\n      total\n      currency\n    }\n    payment {\n      id\n      status\n      amount\n      amountPaid\n      amountRefunded\n      currency\n      failureReason\n      refunds {\n        id\n        amount\n        status\n        reason\n        currency\n      }\n    }\n    zone {\n      id\n      name\n      available\n      slot {\n        id\n        title\n        startsAt\n        maxPerUser\n        venue {\n          id\n          name\n        }\n      }\n    }\n    statusHistory {\n      fromStatus\n      toStatus\n      reason\n      at\n    }\n  }\n"): (typeof documents)["\n  fragment BookingFields on Booking {\n    id\n    reference\n    status\n    version\n    quantity\n    expiresAt\n    createdAt\n    specialRequests\n    cancellationReason\n    cancellationNotes\n    cancellationRefundMinor\n    cancellationFeeMinor\n    cancellationRefundPercent\n    price {\n      base\n      tax\n      discount\n      total\n      currency\n    }\n    payment {\n      id\n      status\n      amount\n      amountPaid\n      amountRefunded\n      currency\n      failureReason\n      refunds {\n        id\n        amount\n        status\n        reason\n        currency\n      }\n    }\n    zone {\n      id\n      name\n      available\n      slot {\n        id\n        title\n        startsAt\n        maxPerUser\n        venue {\n          id\n          name\n        }\n      }\n    }\n    statusHistory {\n      fromStatus\n      toStatus\n      reason\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Booking($id: ID!) {\n    booking(id: $id) {\n      ...BookingFields\n    }\n  }\n"): (typeof documents)["\n  query Booking($id: ID!) {\n    booking(id: $id) {\n      ...BookingFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription BookingStatusChanged($bookingId: ID!) {\n    bookingStatusChanged(bookingId: $bookingId) {\n      ...BookingFields\n    }\n  }\n"): (typeof documents)["\n  subscription BookingStatusChanged($bookingId: ID!) {\n    bookingStatusChanged(bookingId: $bookingId) {\n      ...BookingFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyBookings {\n    myBookings(first: 50) {\n      edges {\n        node {\n          id\n          reference\n          status\n          version\n          quantity\n          expiresAt\n          price {\n            total\n            currency\n          }\n          payment {\n            id\n            status\n          }\n          zone {\n            id\n            name\n            slot {\n              id\n              title\n              startsAt\n              venue {\n                id\n                name\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyBookings {\n    myBookings(first: 50) {\n      edges {\n        node {\n          id\n          reference\n          status\n          version\n          quantity\n          expiresAt\n          price {\n            total\n            currency\n          }\n          payment {\n            id\n            status\n          }\n          zone {\n            id\n            name\n            slot {\n              id\n              title\n              startsAt\n              venue {\n                id\n                name\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MyBookingUpdates {\n    myBookingUpdates {\n      id\n      status\n      version\n      quantity\n      expiresAt\n      payment {\n        id\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription MyBookingUpdates {\n    myBookingUpdates {\n      id\n      status\n      version\n      quantity\n      expiresAt\n      payment {\n        id\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PayBooking($input: PayBookingInput!) {\n    payBooking(input: $input) {\n      id\n      status\n      failureReason\n    }\n  }\n"): (typeof documents)["\n  mutation PayBooking($input: PayBookingInput!) {\n    payBooking(input: $input) {\n      id\n      status\n      failureReason\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CancellationQuote($bookingId: ID!) {\n    cancellationQuote(bookingId: $bookingId) {\n      currency\n      deadlinePassed\n      feeMinor\n      refundMinor\n      refundPercent\n    }\n  }\n"): (typeof documents)["\n  query CancellationQuote($bookingId: ID!) {\n    cancellationQuote(bookingId: $bookingId) {\n      currency\n      deadlinePassed\n      feeMinor\n      refundMinor\n      refundPercent\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelBooking($input: CancelBookingInput!) {\n    cancelBooking(input: $input) {\n      ...BookingFields\n    }\n  }\n"): (typeof documents)["\n  mutation CancelBooking($input: CancelBookingInput!) {\n    cancelBooking(input: $input) {\n      ...BookingFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateBooking($input: UpdateBookingInput!) {\n    updateBooking(input: $input) {\n      ...BookingFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateBooking($input: UpdateBookingInput!) {\n    updateBooking(input: $input) {\n      ...BookingFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateSlot($input: CreateSlotInput!) {\n    createSlot(input: $input) {\n      id\n      title\n      startsAt\n    }\n  }\n"): (typeof documents)["\n  mutation CreateSlot($input: CreateSlotInput!) {\n    createSlot(input: $input) {\n      id\n      title\n      startsAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateZone($input: CreateZoneInput!) {\n    createZone(input: $input) {\n      id\n      name\n      capacity\n      available\n    }\n  }\n"): (typeof documents)["\n  mutation CreateZone($input: CreateZoneInput!) {\n    createZone(input: $input) {\n      id\n      name\n      capacity\n      available\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BookingByReference($reference: String!) {\n    bookingByReference(reference: $reference) {\n      id\n      reference\n      status\n      version\n      quantity\n      zone {\n        id\n        name\n        slot {\n          id\n          title\n          startsAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query BookingByReference($reference: String!) {\n    bookingByReference(reference: $reference) {\n      id\n      reference\n      status\n      version\n      quantity\n      zone {\n        id\n        name\n        slot {\n          id\n          title\n          startsAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CheckIn($input: BookingTransitionInput!) {\n    checkInBooking(input: $input) {\n      id\n      status\n      version\n    }\n  }\n"): (typeof documents)["\n  mutation CheckIn($input: BookingTransitionInput!) {\n    checkInBooking(input: $input) {\n      id\n      status\n      version\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation JoinWaitingRoom($slotId: ID!) {\n    joinWaitingRoom(slotId: $slotId) {\n      position\n      estimatedWaitSeconds\n      status\n      admittedUntil\n    }\n  }\n"): (typeof documents)["\n  mutation JoinWaitingRoom($slotId: ID!) {\n    joinWaitingRoom(slotId: $slotId) {\n      position\n      estimatedWaitSeconds\n      status\n      admittedUntil\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription WaitingRoomUpdates($slotId: ID!) {\n    waitingRoomUpdates(slotId: $slotId) {\n      position\n      estimatedWaitSeconds\n      status\n      admittedUntil\n    }\n  }\n"): (typeof documents)["\n  subscription WaitingRoomUpdates($slotId: ID!) {\n    waitingRoomUpdates(slotId: $slotId) {\n      position\n      estimatedWaitSeconds\n      status\n      admittedUntil\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation JoinWaitlist($zoneId: ID!, $quantity: Int!) {\n    joinWaitlist(zoneId: $zoneId, quantity: $quantity) {\n      id\n      status\n      position\n      quantity\n    }\n  }\n"): (typeof documents)["\n  mutation JoinWaitlist($zoneId: ID!, $quantity: Int!) {\n    joinWaitlist(zoneId: $zoneId, quantity: $quantity) {\n      id\n      status\n      position\n      quantity\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyWaitlist {\n    myWaitlist {\n      id\n      status\n      position\n      quantity\n      offer {\n        quantity\n        expiresAt\n      }\n      zone {\n        id\n        name\n        slot {\n          id\n          title\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyWaitlist {\n    myWaitlist {\n      id\n      status\n      position\n      quantity\n      offer {\n        quantity\n        expiresAt\n      }\n      zone {\n        id\n        name\n        slot {\n          id\n          title\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription NotificationAdded {\n    notificationAdded {\n      id\n      subject\n    }\n  }\n"): (typeof documents)["\n  subscription NotificationAdded {\n    notificationAdded {\n      id\n      subject\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;