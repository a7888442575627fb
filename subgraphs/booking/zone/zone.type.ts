import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The inventory subgraph's Zone, referenced by id; its fields are resolved there. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType("Zone")
export class ZoneReference {
  @Field(() => ID)
  id!: string;
}
