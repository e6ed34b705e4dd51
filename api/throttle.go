package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// authThrottle counts failed authentications per client address, each address
// with a token bucket of authFailureBurst failures refilled one per
// authFailureEvery. Only failures draw on it: a valid token is never counted,
// never slowed and never refused, even from an address that is being throttled,
// so that colleagues behind one address are not locked out by one broken
// script. Tokens are random 256-bit secrets that no rate of guessing could find;
// the throttle exists to make a client that keeps failing back off.
type authThrottle struct {
	mu     sync.Mutex
	now    func() time.Time
	byAddr map[string]*rate.Limiter
}

func newAuthThrottle(now func() time.Time) *authThrottle {
	return &authThrottle{now: now, byAddr: map[string]*rate.Limiter{}}
}

// failed records a failed authentication from addr and returns how long the
// address must wait before the next one is even considered: 0 while it is within
// its allowance, in which case the failure was counted.
func (t *authThrottle) failed(addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	lim, ok := t.byAddr[addr]
	if !ok {
		t.forget(now)
		lim = rate.NewLimiter(rate.Every(authFailureEvery), authFailureBurst)
		t.byAddr[addr] = lim
	}
	if lim.AllowN(now, 1) {
		return 0
	}
	return time.Duration((1 - lim.TokensAt(now)) * float64(authFailureEvery))
}

// forget makes room for one more address when the throttle is full: first the
// addresses whose allowance is whole again, then, under a flood of addresses,
// any.
func (t *authThrottle) forget(now time.Time) {
	if len(t.byAddr) < authFailureAddresses {
		return
	}
	for addr, lim := range t.byAddr {
		if lim.TokensAt(now) >= authFailureBurst {
			delete(t.byAddr, addr)
		}
	}
	for addr := range t.byAddr {
		if len(t.byAddr) < authFailureAddresses {
			break
		}
		delete(t.byAddr, addr)
	}
}

// tooManyFailures is the 429 of a throttled address, with the whole seconds to
// wait in Retry-After.
func tooManyFailures(c echo.Context, wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return echo.NewHTTPError(http.StatusTooManyRequests,
		fmt.Sprintf("too many failed authentications from your address; wait %d s before the next attempt", secs))
}
