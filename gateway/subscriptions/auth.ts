import { GraphQLError } from "graphql";
import { authenticate, type TokenVerifier } from "../../lib/core/auth";
import type { SubscriberAuth } from "./hub";

/** The subscriber from an `Authorization` value; null when the token is invalid or malformed. */
export async function authOf(authorization: unknown, verifier: TokenVerifier): Promise<SubscriberAuth | null> {
  const header = typeof authorization === "string" ? authorization : undefined;
  try {
    return await authenticate(header, verifier);
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.code === "UNAUTHENTICATED") return null;
    throw error;
  }
}
