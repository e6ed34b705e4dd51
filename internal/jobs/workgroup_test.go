package jobs_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// TestWorkGroupRecipients: a work group's survey is mailed, for each member, to
// that member's people in the group; a member with nobody in it falls back to
// its respondents; and the survey's progress knows who was told.
func TestWorkGroupRecipients(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		w := newWorld(t, db)
		wk := w.worker(w.store, "w")
		if _, err := w.store.CreateWorkGroup(w.ctx, survey.WorkGroup{Key: "legal", Name: "Legal"}); err != nil {
			t.Fatal(err)
		}
		// dk answers legal surveys through its viewer Vera; se has nobody in the group.
		if _, err := w.store.AddPerson(w.ctx, "legal", w.people[viewerDK].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.AddPerson(w.ctx, "legal", w.people[outsider].ID); err != nil {
			t.Fatal(err) // fi is outside the audience: never mailed for it
		}
		sv := w.openSurvey()
		w.run(wk)
		plain := recipients(w.smtp.Received())
		if want := []string{annaDK, boDK, svenSE}; !slices.Equal(plain, want) {
			t.Fatalf("a survey of no work group went to %v, want the respondents %v", plain, want)
		}

		before := len(w.smtp.Received())
		deadline := w.clock.Now().Add(10 * 24 * time.Hour)
		legal, err := w.store.CreateSurvey(w.ctx, survey.Survey{Title: "Registrant data", Audience: "nordics", WorkGroup: "legal",
			Deadline: &deadline, Policy: survey.DefaultResultsPolicy(), Sections: []survey.Section{{Key: "data", Title: "Data",
				Questions: []survey.Question{{Key: "whois_public", Type: survey.Boolean, Prompt: "Is WHOIS public?"}}}}}, w.admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if legal, err = w.store.TransitionSurvey(w.ctx, legal.ID, survey.StatusOpen, w.admin.ID); err != nil {
			t.Fatal(err)
		}
		w.run(wk)
		got := recipients(w.smtp.Received()[before:])
		if want := []string{svenSE, viewerDK}; !slices.Equal(got, want) {
			t.Fatalf("the legal survey went to %v, want %v: dk's person in the group, se's respondents", got, want)
		}
		told, err := w.store.Told(w.ctx, legal.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(told["dk"]) != 1 || told["dk"][0].Email != viewerDK || told["dk"][0].Template != "invitation" || told["dk"][0].State != survey.JobDone {
			t.Fatalf("told of dk: %+v, want Vera's invitation, sent", told["dk"])
		}
		if len(told["se"]) != 1 || told["se"][0].Email != svenSE {
			t.Fatalf("told of se: %+v, want Sven", told["se"])
		}
		if len(told["fi"]) != 0 {
			t.Fatalf("fi, outside the audience, was told: %+v", told["fi"])
		}
		if other, err := w.store.Told(w.ctx, sv.ID); err != nil || len(other["dk"]) != 2 {
			t.Fatalf("told of dk for the first survey: %+v (%v), want Anna and Bo", other["dk"], err)
		}
	})
}
