// Package mailtest runs a real SMTP server on 127.0.0.1 for tests, which keeps
// what it receives and refuses the addresses it is told to, as a mail server
// refuses unknown users.
package mailtest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	mailer "github.com/tldcouncil/surveyd/internal/mail"
)

// Received is one mail as it arrived.
type Received struct {
	From      string
	To        []string // the envelope's recipients
	Header    mail.Header
	Subject   string
	MessageID string
	Text      string
	HTML      string
}

// Server is an SMTP server on a free port of 127.0.0.1.
type Server struct {
	Host string
	Port int

	mu       sync.Mutex
	received []Received
	refuse   map[string]bool
	srv      *smtp.Server
}

// Start starts a server that refuses mail to the given addresses, and stops it
// when the test ends.
func Start(t testing.TB, refuse ...string) *Server {
	t.Helper()
	s := &Server{refuse: map[string]bool{}}
	for _, a := range refuse {
		s.refuse[strings.ToLower(a)] = true
	}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	s.Host, s.Port = "127.0.0.1", addr.Port
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// Config is the configuration that sends to this server.
func (s *Server) Config() mailer.SMTPConfig {
	return mailer.SMTPConfig{Host: s.Host, Port: s.Port, TLS: "none", From: "surveys@council.example"}
}

// Received returns the mails received so far, in order of arrival.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// To returns the mails received for the address.
func (s *Server) To(addr string) []Received {
	var out []Received
	for _, r := range s.Received() {
		for _, to := range r.To {
			if strings.EqualFold(to, addr) {
				out = append(out, r)
			}
		}
	}
	return out
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.refuse[strings.ToLower(to)] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	got := Received{From: x.from, To: x.to, Header: msg.Header, MessageID: msg.Header.Get("Message-Id")}
	dec := new(mime.WordDecoder)
	if got.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return err
	}
	if err := readParts(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &got); err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.received = append(x.s.received, got)
	x.s.mu.Unlock()
	return nil
}

// readParts finds the plain text and HTML of a message, through its multiparts.
func readParts(contentType, encoding string, body io.Reader, got *Received) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := readParts(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, got); err != nil {
				return err
			}
		}
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		got.Text = string(b)
	case "text/html":
		got.HTML = string(b)
	}
	return nil
}
