package api

import (
	"context"
	"fmt"

	"github.com/tldcouncil/surveyd/internal/results"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// aggregates fills in the respondents, statistics, disclosure decisions and
// named answers of in over the scope, from the results cache where the edition
// is published and the view cacheable (decision 0024), else from the answers,
// keeping them for the next reader. It reports whether they came from the
// cache. What the caller's own member adds (its answer and standing) is never
// cached: gather adds it afterwards, from its own response.
func (s *Server) aggregates(ctx context.Context, in *results.Input, sc store.Scope) (bool, error) {
	view, cacheable := cacheView(in.Survey, sc)
	if cacheable {
		a, hit, err := s.store.CachedAggregates(ctx, in.Survey, view)
		if err != nil {
			return false, err
		}
		s.metrics.ResultsCacheLookup(hit)
		if hit {
			in.Respondents, in.Stats, in.Named = a.Respondents, a.Stats, a.Named
			if a.Cells != nil {
				in.Cells = fromCellKeys(a.Cells)
			}
			return true, nil
		}
	}
	// The respondents, statistics and named answers are read in one snapshot,
	// so that live results never pair a count with statistics that include a
	// submission more (or a peer group edited meanwhile, by any process).
	var a store.Aggregates
	err := s.store.Consistent(ctx, func(st *store.Store) error {
		var err error
		if a.Respondents, err = st.Respondents(ctx, sc); err != nil {
			return err
		}
		if a.Stats, err = st.Stats(ctx, in.Survey, sc); err != nil {
			return err
		}
		if in.Survey.Policy.Visibility == survey.VisibilityNamed {
			a.Named, err = st.NamedAnswers(ctx, in.Survey, sc)
		}
		return err
	})
	if err != nil {
		return false, err
	}
	if sc.Published { // the audit keeps what it decides: outside the read-only snapshot
		if in.Cells, err = s.disclosure(ctx, in.Survey); err != nil {
			return false, err
		}
		a.Cells = make(map[store.CellKey]string, len(in.Cells))
		for c, code := range in.Cells {
			a.Cells[store.CellKey{Group: c.Group, Question: c.Question}] = string(code)
		}
	}
	in.Respondents, in.Stats, in.Named = a.Respondents, a.Stats, a.Named
	if cacheable {
		if err := s.store.SaveAggregates(ctx, in.Survey, view, a); err != nil {
			return false, err
		}
	}
	return false, nil
}

// cacheView names the view of sv's results over the scope, and whether it can
// be cached: only a published edition's, whose answers no longer change, and
// over a peer group only as frozen at publication (members' scope), since the
// groups as they are now may change.
func cacheView(sv survey.Survey, sc store.Scope) (string, bool) {
	if sv.Status != survey.StatusPublished || (sc.PeerGroup != "" && !sc.Published) {
		return "", false
	}
	return fmt.Sprintf("published=%t coarse=%t group=%s", sc.Published, sc.Coarse, sc.PeerGroup), true
}
