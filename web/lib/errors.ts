import { CombinedGraphQLErrors, ServerError } from "@apollo/client/errors";

interface ErrorLike {
  message: string;
  extensions?: Record<string, unknown>;
}

/** The first GraphQL error of a failed operation, wherever Apollo put it. */
function firstError(error: unknown): ErrorLike | null {
  if (CombinedGraphQLErrors.is(error)) return (error.errors[0] as ErrorLike) ?? null;
  if (ServerError.is(error)) {
    // e.g. 429 from the gateway's rate limiter: a GraphQL body with a non-2xx status.
    try {
      const body = JSON.parse(error.bodyText) as { errors?: ErrorLike[] };
      if (body.errors?.[0]) return body.errors[0];
    } catch {
      /* not JSON */
    }
    return { message: `The server answered ${error.statusCode}` };
  }
  if (error && typeof error === "object" && "message" in error) return { message: String(error.message) };
  return null;
}

/** What went wrong, in words people understand. */
export function describeError(error: unknown): string {
  const e = firstError(error);
  if (!e) return "Something went wrong. Please try again.";
  const x = e.extensions ?? {};
  switch (x.code) {
    case "INSUFFICIENT_STOCK":
      return typeof x.available === "number" && x.available > 0
        ? `Not enough seats left: only ${x.available} available.`
        : "Sold out: there are no seats left in this zone.";
    case "MAX_PER_USER_EXCEEDED":
      return `Limit reached: ${e.message}.`;
    case "RATE_LIMITED":
      return `Too many requests. Please retry in ${x.retryAfterSeconds ?? "a few"} seconds.`;
    case "PAYMENT_FAILED":
      return `Payment declined: ${e.message}`;
    case "UNAUTHENTICATED":
      return "Please sign in first.";
    case "FORBIDDEN":
      return "You are not allowed to do that.";
    case "CONFLICT":
      return "This booking changed in the meantime. The page shows it as it is now; please try again.";
    case "WAITING_ROOM_REQUIRED":
      return "This sale uses a waiting room: join the line and reserve once you are admitted.";
    case "SALE_NOT_STARTED":
      return "Sales for this slot have not started yet.";
    default:
      return e.message;
  }
}
