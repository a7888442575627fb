import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  GraphQLISODateTime,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
  Root,
  Subscription,
} from "type-graphql";
import type { TicketStatus, WaitingRoomStatus } from "../../../lib/contracts/waiting-room";
import { RESUME_AFTER, SERVED_BY_GATEWAY } from "../../../lib/graphql/subgraph";
import type { InventoryContext } from "../inventory.loaders";
import { SlotType } from "../slot/slot.type";
import type { WaitingRoomService } from "./waiting-room.service";

enum WaitingRoomStatusEnum {
  OPEN = "OPEN",
  PAUSED = "PAUSED",
  CLOSED = "CLOSED",
}
registerEnumType(WaitingRoomStatusEnum, {
  name: "WaitingRoomStatus",
  valuesConfig: {
    OPEN: { description: "Admitting people in join order at the room's rate." },
    PAUSED: { description: "Nobody is admitted; reserving still needs an admission." },
    CLOSED: { description: "The room is off: anyone may reserve." },
  },
});

enum TicketStatusEnum {
  WAITING = "WAITING",
  ADMITTED = "ADMITTED",
  EXPIRED = "EXPIRED",
  SOLD_OUT = "SOLD_OUT",
  CLOSED = "CLOSED",
}
registerEnumType(TicketStatusEnum, {
  name: "WaitingRoomTicketStatus",
  valuesConfig: {
    WAITING: { description: "In the queue." },
    ADMITTED: { description: "You may reserve seats in this slot until admittedUntil." },
    EXPIRED: { description: "Your admission has passed; it is not renewed." },
    SOLD_OUT: { description: "The slot is sold out: admission stopped (it resumes if seats come back)." },
    CLOSED: { description: "The slot has no waiting room on: reserve directly." },
  },
});

@ObjectType("WaitingRoomTicket", { description: "Your place in a slot's waiting room." })
export class WaitingRoomTicketType {
  @Field(() => ID)
  slotId!: string;

  @Field(() => Int, { nullable: true, description: "Your number in the join order (1 = first to join)." })
  number!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "1 + the people ahead of you while waiting, 0 once admitted; null without a place.",
  })
  position!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Seconds until your admission at the current rate; null while paused or sold out.",
  })
  estimatedWaitSeconds!: number | null;

  @Field(() => TicketStatusEnum)
  status!: TicketStatus;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "Reserve before this time once admitted." })
  admittedUntil!: Date | null;
}

@ObjectType("WaitingRoom", { description: "A slot's waiting room, as its organizer sees it." })
export class WaitingRoomType {
  @Field(() => ID)
  slotId!: string;

  @Field(() => WaitingRoomStatusEnum)
  status!: WaitingRoomStatus;

  @Field(() => Int, { description: "People admitted per minute while OPEN." })
  admitPerMinute!: number;

  @Field(() => Int, { description: "How long an admission lets its user reserve." })
  admissionSeconds!: number;

  @Field(() => Int, { description: "People who joined so far." })
  joined!: number;

  @Field(() => Int, { description: "People admitted so far (numbers 1 to this one)." })
  admitted!: number;

  @Field(() => Int, { description: "People waiting for admission." })
  waiting!: number;

  @Field(() => Boolean, { description: "The slot is sold out: admission is stopped until seats come back." })
  soldOut!: boolean;
}

/** Waiting rooms (README: Waiting room): joining, tickets, and the organizer's controls. */
@Resolver()
export class WaitingRoomResolver {
  constructor(private readonly rooms: WaitingRoomService) {}

  @Mutation(() => WaitingRoomTicketType, {
    description:
      "Takes a place in the slot's waiting room (sign-in required); joining again returns the same ticket. CLOSED when the slot has no waiting room on: reserve directly.",
  })
  joinWaitingRoom(@Arg("slotId", () => ID) slotId: string, @Ctx() ctx: InventoryContext) {
    return this.rooms.join(ctx.principal, slotId);
  }

  @Query(() => WaitingRoomTicketType, {
    nullable: true,
    description: "Your ticket in the slot's waiting room; null if the room is on and you have not joined.",
  })
  waitingRoomTicket(@Arg("slotId", () => ID) slotId: string, @Ctx() ctx: InventoryContext) {
    return this.rooms.ticket(ctx.principal, slotId);
  }

  @Subscription(() => WaitingRoomTicketType, {
    nullable: true,
    description:
      "Your ticket after each change: position and wait as people are admitted, your admission, sold out, pause and close. Join first (joinWaitingRoom).",
    subscribe: SERVED_BY_GATEWAY,
  })
  waitingRoomUpdates(
    @Arg("slotId", () => ID) _slotId: string,
    @Arg("after", () => String, { nullable: true, description: RESUME_AFTER }) _after?: string | null,
  ): WaitingRoomTicketType | null {
    return null;
  }

  @Query(() => WaitingRoomType, { description: "Organizers (their slots) and admins: a slot's waiting room." })
  waitingRoom(@Arg("slotId", () => ID) slotId: string, @Ctx() ctx: InventoryContext) {
    return this.rooms.room(ctx.principal, slotId);
  }

  @Mutation(() => WaitingRoomType, {
    description:
      "Organizers and admins: turns the slot's waiting room on (or resumes it) and admits admitPerMinute people a minute. From then on reserving in the slot needs an admission.",
  })
  openWaitingRoom(
    @Arg("slotId", () => ID) slotId: string,
    @Arg("admitPerMinute", () => Int, { description: "1–100000." }) admitPerMinute: number,
    @Arg("admissionSeconds", () => Int, {
      nullable: true,
      description: "How long an admission lasts, 5–3600 seconds (default 600, or as set before).",
    })
    admissionSeconds: number | null,
    @Ctx() ctx: InventoryContext,
  ) {
    return this.rooms.configure(ctx.principal, slotId, { status: "OPEN", admitPerMinute, admissionSeconds });
  }

  @Mutation(() => WaitingRoomType, {
    description: "Organizers and admins: stops admitting; reserving still needs an admission.",
  })
  pauseWaitingRoom(@Arg("slotId", () => ID) slotId: string, @Ctx() ctx: InventoryContext) {
    return this.rooms.configure(ctx.principal, slotId, { status: "PAUSED" });
  }

  @Mutation(() => WaitingRoomType, {
    description: "Organizers and admins: turns the waiting room off; anyone may reserve again.",
  })
  closeWaitingRoom(@Arg("slotId", () => ID) slotId: string, @Ctx() ctx: InventoryContext) {
    return this.rooms.configure(ctx.principal, slotId, { status: "CLOSED" });
  }

  @Mutation(() => WaitingRoomType, { description: "Organizers and admins: changes the admission rate." })
  setWaitingRoomRate(
    @Arg("slotId", () => ID) slotId: string,
    @Arg("admitPerMinute", () => Int, { description: "1–100000." }) admitPerMinute: number,
    @Ctx() ctx: InventoryContext,
  ) {
    return this.rooms.configure(ctx.principal, slotId, { admitPerMinute });
  }
}

/** `Slot.waitingRoomActive`: clients join the room before reserving when it is on. */
@Resolver(() => SlotType)
export class SlotWaitingRoomResolver {
  constructor(private readonly rooms: WaitingRoomService) {}

  @FieldResolver(() => Boolean, {
    description: "The slot's waiting room is on (OPEN or PAUSED): join it before reserving.",
  })
  waitingRoomActive(@Root() slot: SlotType) {
    return this.rooms.active(slot.id);
  }
}
