package requestid

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestLogHandlerAddsTheID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	ctx := With(context.Background(), "req-1")
	log.InfoContext(ctx, "from a request")
	log.InfoContext(context.WithoutCancel(ctx), "from work it started")
	log.InfoContext(ctx, "already named", "request_id", "req-2")
	log.Info("from nowhere")
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		id, _ := rec["request_id"].(string)
		got = append(got, rec["msg"].(string)+"="+id)
	}
	want := []string{"from a request=req-1", "from work it started=req-1", "already named=req-2", "from nowhere="}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
	if strings.Count(buf.String(), "request_id") != 3 {
		t.Fatalf("request_id written twice somewhere:\n%s", buf.String())
	}
}
