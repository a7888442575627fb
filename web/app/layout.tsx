import type { Metadata, Viewport } from "next";
import { cookies } from "next/headers";
import Link from "next/link";
import type { ReactNode } from "react";
import { graphqlUrl } from "../lib/config";
import { decodeSession, SESSION_COOKIE } from "../lib/session";
import { ApolloWrapper } from "./apollo";
import "./globals.css";

export const metadata: Metadata = { title: "Bookings", description: "Seats, tables and rooms, live." };
export const viewport: Viewport = { width: "device-width", initialScale: 1 };
// The gateway URL and the session are read per request, so one build runs anywhere.
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const session = decodeSession((await cookies()).get(SESSION_COOKIE)?.value);
  const organizer = session?.role === "ORGANIZER" || session?.role === "ADMIN";
  return (
    <html lang="en">
      <body>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="top">
          <nav aria-label="Main">
            <Link href="/" className="brand">
              Bookings
            </Link>
            <Link href="/">Browse</Link>
            {session && <Link href="/bookings">My bookings</Link>}
            {session && <Link href="/waitlist">Waitlist</Link>}
            {organizer && <Link href="/organizer">Organizer</Link>}
          </nav>
          <div className="who">
            {session ? (
              <form action="/api/session" method="post">
                <span>
                  Signed in as <strong>{session.name}</strong>
                </span>{" "}
                <input type="hidden" name="action" value="signout" />
                <button type="submit">Sign out</button>
              </form>
            ) : (
              <Link href="/signin">Sign in</Link>
            )}
          </div>
        </header>
        <ApolloWrapper url={graphqlUrl()} token={session?.token ?? null}>
          <main id="main">{children}</main>
        </ApolloWrapper>
      </body>
    </html>
  );
}
