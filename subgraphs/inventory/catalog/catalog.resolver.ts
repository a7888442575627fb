import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { forgetLoaded } from "../../../lib/graphql/loaders";
import type { InventoryContext } from "../inventory.loaders";
import { SlotType } from "../slot/slot.type";
import { VenueType } from "../venue/venue.type";
import { ZoneType } from "../zone/zone.type";
import {
  CreateSlotInput,
  CreateVenueInput,
  CreateZoneInput,
  UpdateSlotInput,
  UpdateVenueInput,
  UpdateZoneInput,
} from "./catalog.input";
import type { CatalogService } from "./catalog.service";

/**
 * A mutation's answer is read after the change, and a later mutation of the same request must
 * not see what an earlier one's answer loaded: the request's loaders forget it.
 */
async function changed<T>(ctx: InventoryContext, change: Promise<T>): Promise<T> {
  try {
    return await change;
  } finally {
    forgetLoaded(ctx.loaders);
  }
}

/** Catalog management for organizers (their own venues) and admins. */
@Resolver()
export class CatalogResolver {
  constructor(private readonly catalog: CatalogService) {}

  @Mutation(() => VenueType)
  createVenue(@Arg("input", () => CreateVenueInput) input: CreateVenueInput, @Ctx() ctx: InventoryContext) {
    return changed(ctx, this.catalog.createVenue(ctx.principal, input));
  }

  @Mutation(() => VenueType)
  updateVenue(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateVenueInput) input: UpdateVenueInput,
    @Ctx() ctx: InventoryContext,
  ) {
    return changed(ctx, this.catalog.updateVenue(ctx.principal, id, input));
  }

  @Mutation(() => SlotType)
  createSlot(@Arg("input", () => CreateSlotInput) input: CreateSlotInput, @Ctx() ctx: InventoryContext) {
    return changed(ctx, this.catalog.createSlot(ctx.principal, input));
  }

  @Mutation(() => SlotType)
  updateSlot(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateSlotInput) input: UpdateSlotInput,
    @Ctx() ctx: InventoryContext,
  ) {
    return changed(ctx, this.catalog.updateSlot(ctx.principal, id, input));
  }

  @Mutation(() => ZoneType)
  createZone(@Arg("input", () => CreateZoneInput) input: CreateZoneInput, @Ctx() ctx: InventoryContext) {
    return changed(ctx, this.catalog.createZone(ctx.principal, input));
  }

  @Mutation(() => ZoneType, { description: "Capacity can be raised, and lowered only down to the seats held or sold." })
  updateZone(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateZoneInput) input: UpdateZoneInput,
    @Ctx() ctx: InventoryContext,
  ) {
    return changed(ctx, this.catalog.updateZone(ctx.principal, id, input));
  }
}
