import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_STATUSES,
  type NotificationChannel,
  type NotificationStatus,
} from "./notification.repository";

export const NotificationChannelEnum = Object.fromEntries(NOTIFICATION_CHANNELS.map((c) => [c, c])) as {
  [K in NotificationChannel]: K;
};
registerEnumType(NotificationChannelEnum, { name: "NotificationChannel" });
export const NotificationStatusEnum = Object.fromEntries(NOTIFICATION_STATUSES.map((s) => [s, s])) as {
  [K in NotificationStatus]: K;
};
registerEnumType(NotificationStatusEnum, { name: "NotificationStatus" });

@ObjectType("Notification", { description: "A message sent to a guest or a venue owner." })
export class NotificationType {
  @Field(() => ID)
  id!: string;

  @Field(() => NotificationChannelEnum)
  channel!: NotificationChannel;

  @Field(() => String)
  subject!: string;

  @Field(() => String)
  body!: string;

  @Field(() => NotificationStatusEnum)
  status!: NotificationStatus;

  @Field(() => Int, { description: "Delivery attempts so far." })
  attempts!: number;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  sentAt!: Date | null;
}
