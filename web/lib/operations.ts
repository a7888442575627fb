import { graphql } from "../gql";

/** Every operation the app sends, typed by `npm run codegen` (gql/). */

export const VenuesQuery = graphql(`
  query Venues {
    venues {
      id
      name
      city
      kind
      contactEmail
      slots {
        id
        title
        startsAt
        endsAt
        available
        waitingRoomActive
        zones {
          id
          name
          available
          capacity
          price {
            amount
            currency
          }
        }
      }
    }
  }
`);

export const SlotQuery = graphql(`
  query Slot($id: ID!) {
    slot(id: $id) {
      id
      title
      startsAt
      endsAt
      maxPerUser
      available
      saleStartsAt
      waitingRoomActive
      venue {
        id
        name
        city
      }
      zones {
        id
        name
        available
        capacity
        price {
          amount
          currency
        }
      }
    }
  }
`);

export const AvailabilitySubscription = graphql(`
  subscription AvailabilityChanged($slotId: ID!) {
    availabilityChanged(slotId: $slotId) {
      zone {
        id
        available
        capacity
      }
      available
      capacity
      at
    }
  }
`);

export const ReserveMutation = graphql(`
  mutation ReserveSeats($input: ReserveSeatsInput!) {
    reserveSeats(input: $input) {
      id
      reference
      status
      quantity
      expiresAt
    }
  }
`);

export const BookingFields = graphql(`
  fragment BookingFields on Booking {
    id
    reference
    status
    version
    quantity
    expiresAt
    createdAt
    specialRequests
    cancellationReason
    cancellationNotes
    cancellationRefundMinor
    cancellationFeeMinor
    cancellationRefundPercent
    price {
      base
      tax
      discount
      total
      currency
    }
    payment {
      id
      status
      amount
      amountPaid
      amountRefunded
      currency
      failureReason
      refunds {
        id
        amount
        status
        reason
        currency
      }
    }
    zone {
      id
      name
      available
      slot {
        id
        title
        startsAt
        maxPerUser
        venue {
          id
          name
        }
      }
    }
    statusHistory {
      fromStatus
      toStatus
      reason
      at
    }
  }
`);

export const BookingQuery = graphql(`
  query Booking($id: ID!) {
    booking(id: $id) {
      ...BookingFields
    }
  }
`);

export const BookingStatusSubscription = graphql(`
  subscription BookingStatusChanged($bookingId: ID!) {
    bookingStatusChanged(bookingId: $bookingId) {
      ...BookingFields
    }
  }
`);

export const MyBookingsQuery = graphql(`
  query MyBookings {
    myBookings(first: 50) {
      edges {
        node {
          id
          reference
          status
          version
          quantity
          expiresAt
          price {
            total
            currency
          }
          payment {
            id
            status
          }
          zone {
            id
            name
            slot {
              id
              title
              startsAt
              venue {
                id
                name
              }
            }
          }
        }
      }
    }
  }
`);

export const MyBookingUpdatesSubscription = graphql(`
  subscription MyBookingUpdates {
    myBookingUpdates {
      id
      status
      version
      quantity
      expiresAt
      payment {
        id
        status
      }
    }
  }
`);

export const PayMutation = graphql(`
  mutation PayBooking($input: PayBookingInput!) {
    payBooking(input: $input) {
      id
      status
      failureReason
    }
  }
`);

export const CancellationQuoteQuery = graphql(`
  query CancellationQuote($bookingId: ID!) {
    cancellationQuote(bookingId: $bookingId) {
      currency
      deadlinePassed
      feeMinor
      refundMinor
      refundPercent
    }
  }
`);

export const CancelMutation = graphql(`
  mutation CancelBooking($input: CancelBookingInput!) {
    cancelBooking(input: $input) {
      ...BookingFields
    }
  }
`);

export const UpdateBookingMutation = graphql(`
  mutation UpdateBooking($input: UpdateBookingInput!) {
    updateBooking(input: $input) {
      ...BookingFields
    }
  }
`);

export const CreateSlotMutation = graphql(`
  mutation CreateSlot($input: CreateSlotInput!) {
    createSlot(input: $input) {
      id
      title
      startsAt
    }
  }
`);

export const CreateZoneMutation = graphql(`
  mutation CreateZone($input: CreateZoneInput!) {
    createZone(input: $input) {
      id
      name
      capacity
      available
    }
  }
`);

export const BookingByReferenceQuery = graphql(`
  query BookingByReference($reference: String!) {
    bookingByReference(reference: $reference) {
      id
      reference
      status
      version
      quantity
      zone {
        id
        name
        slot {
          id
          title
          startsAt
        }
      }
    }
  }
`);

export const CheckInMutation = graphql(`
  mutation CheckIn($input: BookingTransitionInput!) {
    checkInBooking(input: $input) {
      id
      status
      version
    }
  }
`);

export const JoinWaitingRoomMutation = graphql(`
  mutation JoinWaitingRoom($slotId: ID!) {
    joinWaitingRoom(slotId: $slotId) {
      position
      estimatedWaitSeconds
      status
      admittedUntil
    }
  }
`);

export const WaitingRoomSubscription = graphql(`
  subscription WaitingRoomUpdates($slotId: ID!) {
    waitingRoomUpdates(slotId: $slotId) {
      position
      estimatedWaitSeconds
      status
      admittedUntil
    }
  }
`);

export const JoinWaitlistMutation = graphql(`
  mutation JoinWaitlist($zoneId: ID!, $quantity: Int!) {
    joinWaitlist(zoneId: $zoneId, quantity: $quantity) {
      id
      status
      position
      quantity
    }
  }
`);

export const MyWaitlistQuery = graphql(`
  query MyWaitlist {
    myWaitlist {
      id
      status
      position
      quantity
      offer {
        quantity
        expiresAt
      }
      zone {
        id
        name
        slot {
          id
          title
        }
      }
    }
  }
`);

export const NotificationAddedSubscription = graphql(`
  subscription NotificationAdded {
    notificationAdded {
      id
      subject
    }
  }
`);
