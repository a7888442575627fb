import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The caller. Other subgraphs may add their own fields to it (entity keyed by the user id). */
@Directive('@key(fields: "id")')
@ObjectType("Me", { description: "The signed-in user." })
export class MeType {
  @Field(() => ID, { description: "User id from the token." })
  id!: string;
}
