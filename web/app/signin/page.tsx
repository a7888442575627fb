import { DEMO_USERS } from "../../lib/demo-tokens";

export const metadata = { title: "Sign in — Bookings" };

export default async function SignIn({ searchParams }: { searchParams: Promise<{ error?: string; next?: string }> }) {
  const { error, next } = await searchParams;
  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <p>Development sign-in: pick one of the platform&apos;s demo users.</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <form action="/api/session" method="post" className="stack">
        <input type="hidden" name="next" value={next ?? "/"} />
        <fieldset>
          <legend>Demo user</legend>
          {Object.entries(DEMO_USERS).map(([key, user], index) => (
            <label key={key} className="choice">
              <input type="radio" name="user" value={key} defaultChecked={index === 0} /> {user.name} (
              {user.role.toLowerCase()})
            </label>
          ))}
        </fieldset>
        <button type="submit">Sign in</button>
      </form>
    </section>
  );
}
