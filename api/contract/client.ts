// A small typed client of the surveyd API, walking the main flows of a member's
// front end: who am I, my surveys, one survey, my response (save, dry run,
// submit), results and trends, with revalidation by ETag. Its types are
// generated from openapi.yaml (`npm run generate`) and `make test` type-checks
// it (`tsc --noEmit`): a change of the contract that would break a front end
// breaks this file first.

import createClient from "openapi-fetch";
import type { components, paths } from "./gen/schema.js";

type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type Reason = Problem["reason"];

/** What the walk learned, for the caller to print or check. */
export interface Walk {
  member: string | null;
  surveys: number;
  opened?: string;
  submitted?: boolean;
  blockers: Reason[];
  resultsETag?: string;
  revalidated?: boolean;
  trendPoints?: number;
}

/** Refused is thrown for every problem+json, with its kind and reason. */
export class Refused extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(`${status} ${problem.code}/${problem.reason}: ${problem.detail ?? problem.title}`);
  }
}

function refused(response: Response, error: unknown): never {
  throw new Refused(response.status, error as Problem);
}

/** client makes an API client for one token. */
export function client(baseUrl: string, token: string) {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}

/**
 * walk runs the flows of a member's dashboard and form against the API: it
 * answers the first open survey of the series that its member has not
 * submitted, submits it if nothing blocks it, reads and revalidates the results
 * of a published survey, and reads a trend of the first series.
 */
export async function walk(
  baseUrl: string,
  token: string,
  series: string,
  answers: Schemas["ResponseUpdate"]["answers"],
): Promise<Walk> {
  const api = client(baseUrl, token);

  const me = await api.GET("/v1/me");
  if (!me.data) refused(me.response, me.error);
  const member: string | null = me.data.member?.code ?? null;
  const out: Walk = { member, surveys: 0, blockers: [] };

  // The dashboard: one request for every survey and where the member stands.
  const list = await api.GET("/v1/surveys", { params: { query: { status: "open", series, limit: 50 } } });
  if (!list.data) refused(list.response, list.error);
  out.surveys = list.data.items.length;
  const todo = list.data.items.find((s) => s.response?.status !== "submitted");
  if (!todo || member === null) return out;
  const deadline: string | null = todo.response?.deadline ?? todo.deadline;
  void deadline;

  // The form: the questions, and what the server says is visible and missing.
  const sv = await api.GET("/v1/surveys/{id}", { params: { path: { id: todo.id } } });
  if (!sv.data) refused(sv.response, sv.error);
  out.opened = sv.data.id;
  const prompts = new Map<string, string>();
  for (const section of sv.data.sections) for (const q of section.questions) prompts.set(q.key, q.prompt);

  const path = { id: sv.data.id, member };
  const current = await api.GET("/v1/surveys/{id}/responses/{member}", { params: { path } });
  if (!current.data) refused(current.response, current.error);
  const shown: string[] = current.data.visible_questions.filter((k) => prompts.has(k));
  void shown;

  // Save with the version we read, so that a colleague's save is not overwritten.
  const etag = current.response.headers.get("ETag") ?? `"${current.data.version}"`;
  const saved = await api.PATCH("/v1/surveys/{id}/responses/{member}", {
    params: { path, header: { "If-Match": etag } },
    body: { answers },
  });
  if (!saved.data) {
    const problem = saved.error as Problem;
    if (problem.reason === "stale_version") throw new Refused(saved.response.status, problem); // reload and retry
    refused(saved.response, saved.error);
  }
  for (const d of saved.data.dropped) {
    const why: "hidden_by_condition" = d.reason;
    void `${d.question} ${why} ${d.depends_on}`;
  }

  // Ask before submitting: everything that would block it, nothing written.
  const dry = await api.POST("/v1/surveys/{id}/responses/{member}/submit", {
    params: { path, query: { dry_run: true } },
  });
  if (!dry.data) refused(dry.response, dry.error);
  out.blockers = dry.data.submit_blockers.map((b) => b.reason);
  if (dry.data.can_submit) {
    const sub = await api.POST("/v1/surveys/{id}/responses/{member}/submit", { params: { path } });
    if (!sub.data) refused(sub.response, sub.error);
    out.submitted = sub.data.status === "submitted";
  }

  // Results of a published survey, revalidated with the ETag the first read gave.
  const published = await api.GET("/v1/surveys", { params: { query: { status: "published" } } });
  if (!published.data) refused(published.response, published.error);
  const readable = published.data.items.find((s) => s.results?.readable);
  if (readable) {
    const first = await api.GET("/v1/surveys/{id}/results", { params: { path: { id: readable.id } } });
    if (!first.data) refused(first.response, first.error);
    const shownResults = first.data.questions.filter((q) => q.suppressed === null && q.n !== null);
    void shownResults;
    const tag = first.response.headers.get("ETag");
    if (tag) {
      out.resultsETag = tag;
      const again = await api.GET("/v1/surveys/{id}/results", {
        params: { path: { id: readable.id }, header: { "If-None-Match": tag } },
      });
      out.revalidated = again.response.status === 304;
    }
  }

  // The member's trend of a monthly series.
  const all = await api.GET("/v1/series");
  if (!all.data) refused(all.response, all.error);
  const monthly = all.data.items[0];
  const question = monthly?.template.sections[0]?.questions.find((q) => q.type === "integer")?.key;
  if (monthly && question) {
    const trend = await api.GET("/v1/series/{key}/trends", { params: { path: { key: monthly.key }, query: { question } } });
    if (!trend.data) refused(trend.response, trend.error);
    out.trendPoints = trend.data.points.filter((p) => p.member_value !== null).length;
  }
  return out;
}
