package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// dice gives a member's synthetic answers: the same member and salt always roll
// the same numbers, so the demo is reproducible.
type dice struct{ state uint64 }

func newDice(member, salt string) *dice {
	h := fnv.New64a()
	h.Write([]byte(member + "/" + salt))
	return &dice{state: h.Sum64() | 1}
}

// float returns a number in [0, 1).
func (d *dice) float() float64 {
	d.state ^= d.state << 13
	d.state ^= d.state >> 7
	d.state ^= d.state << 17
	return float64(d.state>>11) / (1 << 53)
}

func (d *dice) between(lo, hi float64) float64 { return lo + d.float()*(hi-lo) }

func (d *dice) pick(keys ...string) string { return keys[int(d.float()*float64(len(keys)))] }

// dnssecAnswers makes up a plausible response of member m to the DNSSEC survey of
// the given year. Larger registries in the EU tend to have signed longer.
func dnssecAnswers(m Member, year int) map[string]any {
	d := newDice(m.Code, fmt.Sprint(year))
	signed := m.Code != "cn" && (m.EUEEA || d.float() < 0.85)
	a := map[string]any{"zone_signed": signed}
	if !signed {
		a["signed_share"] = 0.0
		a["cds_support"] = d.pick("planned", "no")
		a["registrar_incentives"] = []any{"none"}
		return a
	}
	since := 2008 + int(d.between(0, 12))
	share := math.Round(d.between(2, 45)*10) / 10
	if m.EUEEA && m.ApproxDomains > 1_000_000 {
		share = math.Round(d.between(25, 85)*10) / 10
	}
	share = math.Min(100, share+float64(year-2025)*d.between(0, 4))
	a["signed_since"] = float64(since)
	a["algorithm"] = d.pick("rsasha256", "rsasha256", "ecdsap256sha256", "ecdsap256sha256", "ecdsap256sha256", "ed25519")
	a["key_rollover"] = d.pick("automated", "automated", "manual_scheduled", "manual_adhoc")
	a["last_ksk_rollover"] = fmt.Sprintf("%d-%02d-%02d", year-1-int(d.between(0, 3)), 1+int(d.between(0, 12)), 1+int(d.between(0, 28)))
	a["signed_share"] = math.Round(share*10) / 10
	a["cds_support"] = d.pick("cds_and_cdnskey", "cds_and_cdnskey", "cds_only", "planned", "no")
	incentives := []any{}
	for _, k := range []string{"price_discount", "certification_label", "ranking"} {
		if d.float() < 0.35 {
			incentives = append(incentives, k)
		}
	}
	if len(incentives) == 0 {
		incentives = []any{"none"}
	}
	a["registrar_incentives"] = incentives
	for _, k := range incentives {
		if k == "price_discount" {
			a["discount_per_domain"] = math.Round(d.between(0.1, 2.5)*100) / 100
		}
	}
	if d.float() < 0.6 {
		a["validating_resolvers_share"] = math.Round(d.between(20, 90)*10) / 10
	}
	a["tooling_satisfaction"] = float64(2 + int(d.between(0, 4)))
	return a
}

// answerDNSSEC has the secretariat enter the members' synthetic answers to one
// edition of the DNSSEC survey, on their behalf; submit says which to submit.
func answerDNSSEC(ctx context.Context, st *store.Store, sv survey.Survey, year int, members []Member, by survey.User, submit func(Member) bool) error {
	for _, m := range members {
		w := store.Write{SurveyID: sv.ID, Member: m.Code, Answers: dnssecAnswers(m, year), By: by}
		if _, err := st.SaveAnswers(ctx, w); err != nil {
			return fmt.Errorf("demo answers of %s to %s: %w", m.Code, sv.Title, err)
		}
		if !submit(m) {
			continue
		}
		if _, err := st.Submit(ctx, store.Write{SurveyID: sv.ID, Member: m.Code, By: by}); err != nil {
			return fmt.Errorf("demo submit of %s to %s: %w", m.Code, sv.Title, err)
		}
	}
	return nil
}
