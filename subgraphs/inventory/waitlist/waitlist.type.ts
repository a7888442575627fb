import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { WAITLIST_STATUSES, type WaitlistStatus } from "./waitlist.repository";

export const WaitlistStatusEnum = Object.fromEntries(WAITLIST_STATUSES.map((s) => [s, s])) as {
  [K in WaitlistStatus]: K;
};
registerEnumType(WaitlistStatusEnum, {
  name: "WaitlistStatus",
  description: "Where a waitlist entry stands.",
  valuesConfig: {
    WAITING: { description: "In the queue; freed seats that fit its quantity will be offered to it in turn." },
    OFFERED: { description: "Seats are held for the user until `offer.expiresAt`: reserve them with `reserveSeats`." },
    ACCEPTED: { description: "The user reserved the offered seats (the entry has left the queue)." },
    LAPSED: { description: "The offer ran out unused; the seats passed to the next entry. Join again to queue again." },
    LEFT: { description: "The user left the waitlist." },
  },
});

@ObjectType("WaitlistOffer", { description: "Seats held for a waitlist entry, for a limited time." })
export class WaitlistOfferType {
  @Field(() => Int, { description: "Seats held for you; `reserveSeats` may take up to this many." })
  quantity!: number;

  @Field(() => GraphQLISODateTime, { description: "Reserve before this time, or the offer passes to the next entry." })
  expiresAt!: Date;
}

@ObjectType("WaitlistEntry", { description: "Your place in a sold-out zone's waitlist." })
export class WaitlistEntryType {
  @Field(() => ID, { description: "The entry; an offer's seats are held under this id." })
  id!: string;

  @Field(() => Int, { description: "Seats wanted (1 to the slot's `maxPerUser`)." })
  quantity!: number;

  @Field(() => WaitlistStatusEnum, { description: "WAITING → OFFERED → ACCEPTED or LAPSED; LEFT when you leave." })
  status!: WaitlistStatus;

  @Field(() => Int, {
    nullable: true,
    description: "1 + the WAITING entries ahead of yours; null when not WAITING.",
  })
  position!: number | null;

  @Field(() => WaitlistOfferType, {
    nullable: true,
    description: "The seats held for you (OFFERED, and kept for the record afterwards); null before any offer.",
  })
  offer!: WaitlistOfferType | null;

  @Field(() => GraphQLISODateTime, { description: "When you joined." })
  joinedAt!: Date;

  zoneId!: string;
}
