/**
 * The signed-in user, kept in a cookie the browser can read: the browser sends the token to the
 * gateway itself (HTTP and WebSocket), and the server renders with it. Only user tokens live here,
 * never a signing secret.
 */
export const SESSION_COOKIE = "bp_session";

export type Role = "GUEST" | "ORGANIZER" | "ADMIN";

export interface Session {
  token: string;
  role: Role;
  name: string;
}

export function decodeSession(value: string | undefined): Session | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as Session;
    return typeof parsed.token === "string" && typeof parsed.role === "string" ? parsed : null;
  } catch {
    return null;
  }
}

export function encodeSession(session: Session): string {
  return Buffer.from(JSON.stringify(session), "utf8").toString("base64url");
}
