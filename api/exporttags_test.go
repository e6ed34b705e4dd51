package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
)

// tagged reads an export and checks that it carries a revalidation tag, and
// that the same request with that tag gets a 304 without a body.
func tagged(h *harness, as, path string, header ...string) string {
	h.t.Helper()
	r := h.get(as, path, header...)
	tag := r.header.Get("ETag")
	if r.status != http.StatusOK || !strings.HasPrefix(tag, `W/"`) || r.header.Get("Cache-Control") != "private, no-cache" {
		h.t.Fatalf("%s as %s: %d, ETag %q, Cache-Control %q: %s", path, as, r.status, tag, r.header.Get("Cache-Control"), r.body)
	}
	if again := h.get(as, path, header...).header.Get("ETag"); again != tag {
		h.t.Fatalf("%s as %s: tag %s, then %s for the same file", path, as, tag, again)
	}
	nm := h.get(as, path, append(header, "If-None-Match", tag)...)
	if nm.status != http.StatusNotModified || len(nm.body) != 0 || nm.header.Get("ETag") != tag || nm.header.Get("Content-Disposition") != "" {
		h.t.Fatalf("%s as %s with its tag: %d, ETag %q, %d bytes", path, as, nm.status, nm.header.Get("ETag"), len(nm.body))
	}
	if stale := h.get(as, path, append(header, "If-None-Match", `W/"stale"`)...); stale.status != http.StatusOK || len(stale.body) == 0 {
		h.t.Fatalf("%s as %s with a stale tag: %d", path, as, stale.status)
	}
	return tag
}

// TestExportAnswersTag: the streamed answers export is tagged from the survey
// and a digest of its responses, without reading them, per caller.
func TestExportAnswersTag(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md")
		answers := map[string]map[string]any{
			"ma": {"size": 10.0}, "mb": {"size": 20.0}, "mc": {"size": 30.0},
		}
		h.vars["named"] = surveyWith(h, fmt.Sprintf(namedSurvey, "named"), answers, true)
		h.vars["open"] = surveyWith(h, strings.Replace(fmt.Sprintf(namedSurvey, "named"), `"2026"`, `"2027"`, 1), answers, false)
		admin, err := h.store.User(context.Background(), h.vars["admin_id"])
		if err != nil {
			t.Fatal(err)
		}

		open := tagged(h, "admin", "/v1/surveys/{{open}}/answers/export")
		if xlsx := tagged(h, "admin", "/v1/surveys/{{open}}/answers/export", "Accept", xlsxType); xlsx == open {
			t.Fatalf("CSV and XLSX files share the tag %s", open)
		}
		// A draft answer changes the secretariat's file, and its tag.
		if _, err := h.store.SaveAnswers(context.Background(), store.Write{SurveyID: h.vars["open"], Member: "md", Answers: map[string]any{"size": 1.0}, By: admin}); err != nil {
			t.Fatal(err)
		}
		if now := tagged(h, "admin", "/v1/surveys/{{open}}/answers/export"); now == open {
			t.Fatalf("tag %s unchanged after md's draft answer", now)
		}
		if _, err := h.store.SaveAnswers(context.Background(), store.Write{SurveyID: h.vars["open"], Member: "ma", Answers: map[string]any{"size": 11.0}, By: admin}); err != nil {
			t.Fatal(err)
		}
		before := h.get("admin", "/v1/surveys/{{open}}/answers/export").header.Get("ETag")
		if _, err := h.store.SaveAnswers(context.Background(), store.Write{SurveyID: h.vars["open"], Member: "ma", Answers: map[string]any{"size": 12.0}, By: admin}); err != nil {
			t.Fatal(err)
		}
		if now := h.get("admin", "/v1/surveys/{{open}}/answers/export").header.Get("ETag"); now == before {
			t.Fatalf("tag %s unchanged after ma's answer changed", now)
		}

		// The secretariat and a member get different files of a named survey
		// (drafts and submission times are the secretariat's), and different tags.
		adminTag := tagged(h, "admin", "/v1/surveys/{{named}}/answers/export")
		memberTag := tagged(h, "mb", "/v1/surveys/{{named}}/answers/export")
		if adminTag == memberTag {
			t.Fatalf("the secretariat and mb share the tag %s", adminTag)
		}
		// A caller's tag is not another's: mb's tag gets ma the file.
		if r := h.get("ma", "/v1/surveys/{{named}}/answers/export", "If-None-Match", memberTag); r.status != http.StatusOK {
			t.Fatalf("ma with mb's tag: %d", r.status)
		}
		// A refusal carries no tag.
		if r := h.get("md", "/v1/surveys/{{named}}/answers/export"); r.status != http.StatusForbidden || r.header.Get("ETag") != "" {
			t.Fatalf("md did not submit: %d, ETag %q", r.status, r.header.Get("ETag"))
		}
	})
}

// TestExportSeriesTag: both views of a series export are tagged, and the
// per-member view's tag follows the answers of its editions.
func TestExportSeriesTag(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		h.run([]step{{name: "series", as: "admin", method: "POST", path: "/v1/series", body: monthlyStats, status: 201}})
		month(h, "2026-09", scaled(0.9), true)
		november := month(h, "2026-11", scaled(1.2), false)
		path := "/v1/series/monthly-stats/export?from=2026-09&to=2026-11"

		members := tagged(h, "admin", path)
		aggregates := tagged(h, "admin", path+"&view=aggregates")
		ma := tagged(h, "ma", path)
		mb := tagged(h, "mb", path)
		if members == aggregates || ma == members || ma == mb {
			t.Fatalf("tags of different files coincide: members %s, aggregates %s, ma %s, mb %s", members, aggregates, ma, mb)
		}
		admin, err := h.store.User(context.Background(), h.vars["admin_id"])
		if err != nil {
			t.Fatal(err)
		}
		rows := []store.ImportRow{{Line: 2, Member: "ma", Answers: map[string]any{"domains": 999.0}}}
		if _, err := h.store.Import(context.Background(), november, rows, true, false, admin); err != nil {
			t.Fatal(err)
		}
		if now := tagged(h, "admin", path); now == members {
			t.Fatalf("the per-member tag %s is unchanged after ma's November changed", now)
		}
		if now := tagged(h, "admin", path+"&view=aggregates"); now == aggregates {
			t.Fatalf("the aggregates tag %s is unchanged after ma's November changed", now)
		}
		// November is not published: what ma reads of the series is the same.
		if now := tagged(h, "ma", path); now != ma {
			t.Fatalf("ma's tag changed from %s to %s, but its file did not", ma, now)
		}
	})
}
