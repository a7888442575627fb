import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { badInput, unauthenticated } from "../../../lib/errors";
import type { RequestContext } from "../../../lib/subgraph";
import type { Notification, NotificationRepository } from "../notification/notification.repository";
import { NotificationType } from "../notification/notification.type";
import { MeType } from "./me.type";

@Resolver(() => MeType)
export class MeResolver {
  constructor(private readonly notificationsRepo: NotificationRepository) {}

  @Query(() => MeType, { description: "The signed-in user (UNAUTHENTICATED without a token)." })
  me(@Ctx() ctx: RequestContext): MeType {
    if (!ctx.principal) throw unauthenticated();
    return { id: ctx.principal.userId };
  }

  @FieldResolver(() => [NotificationType], { description: "Messages sent to you, newest first." })
  async notifications(
    @Root() me: MeType,
    @Arg("first", () => Int, { defaultValue: 20, description: "1–100." }) first: number,
    @Ctx() ctx: RequestContext,
  ): Promise<Notification[]> {
    if (!ctx.principal || ctx.principal.userId !== me.id) throw unauthenticated();
    if (first < 1 || first > 100) throw badInput("first must be between 1 and 100", { field: "first" });
    return this.notificationsRepo.listByRecipient(me.id, first);
  }
}
