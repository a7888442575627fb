import { NextResponse, type NextRequest } from "next/server";
import { graphqlUrl } from "../../../lib/config";
import { DEMO_USERS, demoToken, isDemoUser } from "../../../lib/demo-tokens";
import { encodeSession, SESSION_COOKIE } from "../../../lib/session";

export const dynamic = "force-dynamic";

/** Where to go after signing in or out: a path of this app only (relative, so any host name works). */
function target(next: FormDataEntryValue | null): string {
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function redirect(location: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { location } });
}

/**
 * POST user=guest|organizer|admin: signs in as that demo user (development sign-in, see
 * lib/demo-tokens.ts). POST action=signout: signs out. A form posts here, so it works without JS.
 */
export async function POST(request: NextRequest) {
  const form = await request.formData();
  if (form.get("action") === "signout") {
    const response = redirect(target(form.get("next")));
    response.cookies.delete(SESSION_COOKIE);
    return response;
  }
  const user = form.get("user");
  if (!isDemoUser(user)) return NextResponse.json({ error: "unknown user" }, { status: 400 });
  let token: string;
  try {
    token = await demoToken(user, graphqlUrl());
  } catch (error) {
    return redirect(`/signin?${new URLSearchParams({ error: (error as Error).message })}`);
  }
  const demo = DEMO_USERS[user];
  const response = redirect(target(form.get("next")));
  response.cookies.set(SESSION_COOKIE, encodeSession({ token, role: demo.role, name: demo.name }), {
    path: "/",
    sameSite: "lax",
    secure: request.nextUrl.protocol === "https:",
    maxAge: 12 * 3600,
  });
  return response;
}
