// main runs walk against a live server, as TestTypedClientWalksTheDemo does:
// SURVEYD_URL, SURVEYD_TOKEN, SURVEYD_SERIES (the survey series to answer) and
// SURVEYD_ANSWERS (JSON) in, the walk as one JSON line out.

import { Refused, walk } from "./client.js";

declare const process: { env: Record<string, string | undefined>; exitCode?: number };

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

try {
  const out = await walk(env("SURVEYD_URL"), env("SURVEYD_TOKEN"), env("SURVEYD_SERIES"), JSON.parse(env("SURVEYD_ANSWERS")));
  console.log(JSON.stringify(out));
} catch (err) {
  console.error(err instanceof Refused ? JSON.stringify({ status: err.status, problem: err.problem }) : err);
  process.exitCode = 1;
}
