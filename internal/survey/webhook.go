package survey

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/url"
	"strings"
	"time"
)

// Webhook is an endpoint the secretariat registered to be told of events, by
// HTTP POSTs signed as the Standard Webhooks specification says.
type Webhook struct {
	ID             string
	URL            string
	Secret         string // whsec_ and the base64 of the signing key
	Events         []NotificationType
	Active         bool
	DisabledReason string // why the server disabled it; "" if it did not
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Subscribes reports whether w is told of events of type t.
func (w Webhook) Subscribes(t NotificationType) bool {
	for _, e := range w.Events {
		if e == t {
			return true
		}
	}
	return false
}

// WebhookSecretPrefix starts every webhook secret.
const WebhookSecretPrefix = "whsec_"

// NewWebhookSecret returns a fresh secret: whsec_ and 32 random bytes in base64.
func NewWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// WebhookKey returns the signing key of a secret: the bytes after whsec_.
func WebhookKey(secret string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, WebhookSecretPrefix))
}

// Validate checks the webhook's URL (see CheckWebhookURL), its events and its
// secret, and names every fault.
func (w Webhook) Validate(self []string) error {
	var p Problems
	if reason := CheckWebhookURL(w.URL, self); reason != "" {
		p.Add("url", "%s", reason)
	}
	if len(w.Events) == 0 {
		p.Add("events", "must name at least one event")
	}
	seen := map[NotificationType]bool{}
	for i, e := range w.Events {
		switch {
		case !e.Public():
			p.Add("events["+itoa(i)+"]", "%q is not an event; the events are %s", e, eventList())
		case seen[e]:
			p.Add("events["+itoa(i)+"]", "%q is named twice", e)
		}
		seen[e] = true
	}
	if key, err := WebhookKey(w.Secret); !strings.HasPrefix(w.Secret, WebhookSecretPrefix) || err != nil || len(key) < 24 || len(key) > 64 {
		p.Add("secret", "must be whsec_ followed by the base64 of 24 to 64 bytes")
	}
	return p.Err("the webhook is not valid")
}

func eventList() string {
	var names []string
	for _, e := range EventTypes() {
		names = append(names, string(e))
	}
	return strings.Join(names, ", ")
}

// CheckWebhookURL says what is wrong with a webhook's URL, or "" if nothing: it
// must be absolute http or https, with a host, and must not point at this server
// itself, whose addresses ("host:port") self lists. An address of self whose host
// is unspecified (":8080", "0.0.0.0:8080") or a loopback name stands for every
// loopback address and "localhost" on its port.
func CheckWebhookURL(raw string, self []string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs():
		return "is not an absolute URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must be an http or https URL"
	case u.Hostname() == "":
		return "has no host"
	case u.User != nil:
		return "must not carry credentials; sign with the secret instead"
	case len(raw) > 2000:
		return "is longer than 2000 characters"
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	host := strings.ToLower(u.Hostname())
	for _, s := range self {
		sh, sp, err := net.SplitHostPort(s)
		if err != nil || sp != port {
			continue
		}
		sh = strings.ToLower(sh)
		if sh == host || (isLocal(sh) && isLocal(host)) {
			return "points at this server itself"
		}
	}
	return ""
}

// isLocal reports whether host is this machine whatever its interfaces: empty or
// unspecified (as a listen address), loopback, or localhost.
func isLocal(host string) bool {
	if host == "" || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// Delivery is one attempt to deliver one event to one webhook.
type Delivery struct {
	ID           string
	Webhook      string
	Notification string // the event's id, sent as webhook-id
	Type         NotificationType
	Attempt      int
	Status       int // the HTTP status; 0 if none came back
	Latency      time.Duration
	Error        string // why it failed; "" for a 2xx
	Job          string
	At           time.Time
}

// OK reports whether the subscriber took the event.
func (d Delivery) OK() bool { return d.Error == "" && d.Status >= 200 && d.Status < 300 }
