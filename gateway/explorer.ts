import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { Handler, Routes } from "../lib/http/server";

const require = createRequire(import.meta.url);

/** A file inside an installed package, whether or not the package exports that path. */
function packageFile(module: string): string {
  const parts = module.split("/");
  const name = module.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const root = path.dirname(require.resolve(`${name}/package.json`));
  return path.join(root, module.slice(name.length + 1));
}

/**
 * The files of the explorer page, served by the gateway itself (no CDN: it works offline and
 * behind a firewall). GraphiQL's browser build brings its graphql-ws client for subscriptions.
 */
const ASSETS: Record<string, { module: string; type: string }> = {
  "react.js": { module: "react/umd/react.production.min.js", type: "text/javascript" },
  "react-dom.js": { module: "react-dom/umd/react-dom.production.min.js", type: "text/javascript" },
  "graphiql.js": { module: "graphiql/graphiql.min.js", type: "text/javascript" },
  "graphiql.css": { module: "graphiql/graphiql.min.css", type: "text/css" },
  "explorer.js": { module: "@graphiql/plugin-explorer/dist/index.umd.js", type: "text/javascript" },
  "explorer.css": { module: "@graphiql/plugin-explorer/dist/style.css", type: "text/css" },
};

/** Ready-made operations for integrators, one tab each. */
export const EXAMPLE_OPERATIONS: { title: string; query: string; variables?: Record<string, unknown> }[] = [
  {
    title: "Venues and availability",
    query: `# Public: venues, their slots and the seats left in each zone.
query Venues {
  venues {
    id name city
    slots { id title startsAt zones { id name available capacity price { amount currency } } }
  }
}`,
  },
  {
    title: "Reserve seats",
    query: `# Needs a token (Headers tab). Holds the seats for 10 minutes; pay before then.
mutation Reserve($zoneId: ID!, $key: String!) {
  reserveSeats(input: { zoneId: $zoneId, quantity: 2, idempotencyKey: $key }) {
    id reference status expiresAt price { total currency }
  }
}`,
    variables: { zoneId: "<a zone id from Venues>", key: "my-first-reservation-0001" },
  },
  {
    title: "Pay",
    query: `# Simulated provider tokens: tok_success, tok_decline, tok_delayed_<ms>.
mutation Pay($bookingId: ID!) {
  payBooking(input: { bookingId: $bookingId, paymentMethodToken: "tok_success", idempotencyKey: "pay-0001-abcdef" }) {
    id status amount currency
  }
}`,
    variables: { bookingId: "<the id from Reserve>" },
  },
  {
    title: "Cancel",
    query: `mutation Cancel($bookingId: ID!) {
  cancelBooking(input: { bookingId: $bookingId, reason: CHANGE_OF_PLANS }) {
    id status version statusHistory { fromStatus toStatus reason at }
  }
}`,
    variables: { bookingId: "<the id from Reserve>" },
  },
  {
    title: "Watch availability",
    query: `# Live over WebSocket: reserve in another tab and watch the count change.
subscription WatchAvailability($slotId: ID!) {
  availabilityChanged(slotId: $slotId) { zone { id name } available capacity at }
}`,
    variables: { slotId: "<a slot id from Venues>" },
  },
  {
    title: "Watch a booking",
    query: `# Live: status, payment and notifications of your booking as they change.
# Each push names its change and cursor in "extensions"; to resume after a disconnect,
# set "after" to the last cursor: the changes you missed come first, then live ones.
subscription WatchBooking($bookingId: ID!, $after: String) {
  bookingStatusChanged(bookingId: $bookingId, after: $after) {
    status version payment { status } zone { name available } notifications { subject }
  }
}`,
    variables: { bookingId: "<the id from Reserve>" },
  },
  {
    title: "Open a waiting room",
    query: `# Organizers (their slots) and admins: from now on reserving in the slot needs an admission.
# pauseWaitingRoom stops admitting, closeWaitingRoom turns it off, setWaitingRoomRate changes the rate.
mutation OpenWaitingRoom($slotId: ID!) {
  openWaitingRoom(slotId: $slotId, admitPerMinute: 60, admissionSeconds: 600) {
    status admitPerMinute joined admitted waiting soldOut
  }
}`,
    variables: { slotId: "<a slot id from Venues>" },
  },
  {
    title: "Join a waiting room",
    query: `# Needs a token. One ticket per person and slot: joining again returns the same ticket.
# Reserve (the Reserve tab) once the status is ADMITTED, before admittedUntil.
mutation JoinWaitingRoom($slotId: ID!) {
  joinWaitingRoom(slotId: $slotId) { position estimatedWaitSeconds status admittedUntil }
}`,
    variables: { slotId: "<a slot id from Venues>" },
  },
  {
    title: "Watch my place in line",
    query: `# Live: your ticket each time the line moves, and your admission when it comes.
subscription WatchWaitingRoom($slotId: ID!) {
  waitingRoomUpdates(slotId: $slotId) { position estimatedWaitSeconds status admittedUntil }
}`,
    variables: { slotId: "<a slot id from Venues>" },
  },
  {
    title: "Join a waitlist",
    query: `# For a sold-out zone: seats that come back are held for the next people in line who fit
# (offer.expiresAt), and you are notified; accept with Reserve for that zone.
mutation JoinWaitlist($zoneId: ID!) {
  joinWaitlist(zoneId: $zoneId, quantity: 2) { id status position quantity offer { quantity expiresAt } }
}`,
    variables: { zoneId: "<a sold-out zone id from Venues>" },
  },
  {
    title: "My waitlist",
    query: `# Your places in waitlists and the seats offered to you. leaveWaitlist(zoneId) leaves one.
query MyWaitlist {
  myWaitlist { id status position quantity offer { quantity expiresAt } zone { id name } }
}`,
  },
];

/**
 * The page's own style and start-up script, served as files of this origin rather than inline,
 * so the page's Content-Security-Policy needs no 'unsafe-inline' for scripts. The start-up
 * script reads its settings from the `explorer-config` JSON element (data, not script).
 */
const PAGE_CSS = `  body { margin: 0; height: 100vh; display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
  #bar { padding: 6px 12px; font-size: 13px; background: #0b1d3a; color: #fff; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
  #bar button { font-size: 12px; cursor: pointer; }
  #graphiql { flex: 1; min-height: 0; }
`;

const START_JS = `(function () {
  var config = JSON.parse(document.getElementById("explorer-config").textContent);
  var params = new URLSearchParams(location.search);
  var url = location.origin + "/graphql";
  var wsUrl = url.replace(/^http/, "ws");
  var http = GraphiQL.createFetcher({ url: url });
  var GraphQL = GraphiQL.GraphQL;
  function isSubscription(params) {
    try {
      var doc = GraphQL.parse(params.query);
      return doc.definitions.some(function (d) {
        return d.kind === "OperationDefinition" && d.operation === "subscription" &&
          (!params.operationName || (d.name && d.name.value === params.operationName));
      });
    } catch (e) { return false; }
  }
  // Subscriptions go over the gateway's WebSocket with the Authorization header of the Headers tab.
  function fetcher(graphQLParams, opts) {
    if (!isSubscription(graphQLParams)) return http(graphQLParams, opts);
    var headers = (opts && opts.headers) || {};
    var authorization = headers.Authorization || headers.authorization;
    return GraphiQL.createFetcher({
      url: url,
      subscriptionUrl: wsUrl,
      wsConnectionParams: authorization ? { authorization: authorization } : {},
    })(graphQLParams, opts);
  }
  var tokens = config.demoTokens || {};
  var tokenNames = Object.keys(tokens);
  var headers = params.get("headers") ||
    (tokenNames.length ? JSON.stringify({ Authorization: "Bearer " + tokens.guest }, null, 2)
                       : '{\\n  "Authorization": "Bearer <your token>"\\n}');
  var tabs = config.examples.map(function (e) { return { query: e.query, variables: e.variables, headers: headers }; });
  // A link can open one operation: /?query=…&variables=…&headers=…
  var linked = params.get("query")
    ? { query: params.get("query"), variables: params.get("variables") || undefined, headers: headers }
    : null;
  if (tokenNames.length) {
    var bar = document.getElementById("bar");
    document.getElementById("auth-help").textContent = "Demo tokens (embedded mode) — copy one into the Headers tab:";
    tokenNames.forEach(function (name) {
      var button = document.createElement("button");
      button.textContent = "Copy " + name + " header";
      button.setAttribute("data-token", name);
      button.onclick = function () {
        var value = JSON.stringify({ Authorization: "Bearer " + tokens[name] }, null, 2);
        if (navigator.clipboard) navigator.clipboard.writeText(value).catch(function () {});
        button.textContent = name + " header copied";
      };
      bar.appendChild(button);
    });
  }
  var explorer = GraphiQLPluginExplorer.explorerPlugin({ showAttribution: false });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, Object.assign({
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      defaultHeaders: headers,
      shouldPersistHeaders: false,
      plugins: [explorer],
    }, linked || { defaultTabs: tabs }))
  );
})();
`;

/**
 * The explorer page's policy, replacing the gateway's API policy on this page only: every script
 * is a file of this origin (no inline script, no eval). Styles may be inline: GraphiQL's dialogs
 * insert a `<style>` element when they open (react-remove-scroll; its UMD build takes no nonce),
 * and inline style cannot run code. Images and fonts of GraphiQL's CSS are data: URLs; requests
 * go to the gateway itself over HTTP and its WebSocket (`ws:`/`wss:`: browsers before CSP Level 3
 * do not count the same host's WebSocket as 'self').
 */
export const EXPLORER_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'";

function page(options: { demoTokens: Record<string, string> }): string {
  const config = {
    examples: EXAMPLE_OPERATIONS.map((e) => ({
      title: e.title,
      query: e.query,
      variables: e.variables ? JSON.stringify(e.variables, null, 2) : undefined,
    })),
    demoTokens: options.demoTokens,
  };
  // `<` escaped so the JSON cannot close the script element.
  const json = JSON.stringify(config).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Booking platform — GraphQL explorer</title>
<link rel="stylesheet" href="/explorer/assets/graphiql.css">
<link rel="stylesheet" href="/explorer/assets/explorer.css">
<link rel="stylesheet" href="/explorer/assets/page.css">
</head>
<body>
<div id="bar"><strong>Booking platform API</strong><span id="auth-help">Put <code>{"Authorization": "Bearer &lt;token&gt;"}</code> in the Headers tab for your own bookings.</span></div>
<div id="graphiql">Loading…</div>
<script id="explorer-config" type="application/json">${json}</script>
<script src="/explorer/assets/react.js"></script>
<script src="/explorer/assets/react-dom.js"></script>
<script src="/explorer/assets/graphiql.js"></script>
<script src="/explorer/assets/explorer.js"></script>
<script src="/explorer/assets/start.js"></script>
</body>
</html>`;
}

/**
 * `GET /` (and `GET /graphql` from a browser) serves the explorer: GraphiQL with the explorer
 * plugin, docs, autocompletion, history, example operations, the headers editor and
 * subscriptions over the gateway's WebSocket. Turned off (404) with EXPLORER_ENABLED=false.
 */
export function explorerRoutes(options: { demoTokens: Record<string, string> }): Routes & { page: Handler } {
  const html = page(options);
  const cache = new Map<string, Buffer>();
  const servePage: Handler = async (_req, res) => {
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "content-security-policy": EXPLORER_CONTENT_SECURITY_POLICY,
    });
    res.end(html);
  };
  const own = (body: string, type: string): Handler => {
    const bytes = Buffer.from(body);
    return async (_req, res) => {
      res.writeHead(200, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-cache" });
      res.end(bytes);
    };
  };
  const routes: Routes = {
    "GET /": servePage,
    "GET /explorer/assets/start.js": own(START_JS, "text/javascript"),
    "GET /explorer/assets/page.css": own(PAGE_CSS, "text/css"),
  };
  for (const [name, asset] of Object.entries(ASSETS)) {
    routes[`GET /explorer/assets/${name}`] = async (_req, res) => {
      let body = cache.get(name);
      if (!body) {
        body = await readFile(packageFile(asset.module));
        cache.set(name, body);
      }
      res.writeHead(200, { "content-type": `${asset.type}; charset=utf-8`, "cache-control": "public, max-age=3600" });
      res.end(body);
    };
  }
  return Object.assign(routes, { page: servePage });
}
