import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from "type-graphql";
import { badInput, notFound, unauthenticated } from "../../../lib/core/errors";
import { isUuid } from "../../../lib/core/ids";
import { SERVED_BY_GATEWAY, RESUME_AFTER, type RequestContext } from "../../../lib/graphql/subgraph";
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

  @Query(() => NotificationType, { description: "One of your notifications." })
  async notification(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Notification> {
    if (!ctx.principal) throw unauthenticated();
    const found = isUuid(id) ? await this.notificationsRepo.findById(id) : null;
    if (!found || found.recipientId !== ctx.principal.userId) throw notFound("Notification");
    return found;
  }

  @Subscription(() => NotificationType, {
    nullable: true,
    description: "Each notification sent to you, as it is stored (sign-in required).",
    subscribe: SERVED_BY_GATEWAY,
  })
  notificationAdded(
    @Arg("after", () => String, { nullable: true, description: RESUME_AFTER }) _after?: string | null,
  ): Notification | null {
    return null;
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
