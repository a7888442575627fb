/**
 * A fault for end-to-end tests, loaded into a service process with
 * `NODE_OPTIONS=--import=<this file>` and `FAULT_KILL_AFTER_EVENT=<event type>`: the process
 * SIGKILLs itself the moment the transaction that wrote an outbox event of that type has
 * committed (before it can do anything after the commit). Nothing in the services knows about it.
 */
import { createRequire } from "node:module";

const wanted = process.env.FAULT_KILL_AFTER_EVENT;
const pg = createRequire(`${process.cwd()}/`)("pg");
const query = pg.Client.prototype.query;

pg.Client.prototype.query = function (config, values, callback) {
  const text = typeof config === "string" ? config : (config?.text ?? "");
  const params = Array.isArray(values) ? values : (config?.values ?? []);
  if (/^\s*begin/i.test(text)) this.faultInTransaction = true;
  const writesEvent = /insert into/i.test(text) && /outbox/i.test(text) && params.includes(wanted);
  if (writesEvent) this.faultKillAtCommit = true;
  const ends = /^\s*(commit|rollback)/i.test(text);
  const kill = writesEvent ? !this.faultInTransaction : ends && /^\s*commit/i.test(text) && this.faultKillAtCommit;
  if (ends) this.faultInTransaction = this.faultKillAtCommit = false;
  const result = query.call(this, config, values, callback);
  if (!kill) return result;
  const die = () => process.kill(process.pid, "SIGKILL");
  if (result && typeof result.then === "function") return result.then((value) => (die(), value));
  return result;
};
