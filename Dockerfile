# surveyd in a container: a static, pure-Go binary on a small Alpine base.
#
#   docker build -t surveyd .
#   docker run -p 8080:8080 -v surveyd-data:/data surveyd                 # SQLite in /data/surveys.db
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://... surveyd        # PostgreSQL
#
# docker-compose.yml runs it on PostgreSQL 15.

FROM golang:1.26-bookworm AS build
# go.mod asks for go 1.26.8; the official image pins GOTOOLCHAIN=local, which would
# refuse to build if a cached 1.26 image were older than that. auto fetches the
# right toolchain in that case and changes nothing otherwise.
ENV GOTOOLCHAIN=auto
WORKDIR /src
# The module download is its own layer, rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/surveyd ./cmd/surveyd

FROM alpine:3.20
# A fixed, numeric non-root user, so that orchestrators can check runAsNonRoot and
# volume ownership is predictable. /data is its working directory: with no
# DATABASE_URL the server keeps its SQLite file surveys.db (and -wal, -shm) there.
RUN addgroup -S -g 10001 surveyd \
	&& adduser -S -D -H -u 10001 -G surveyd -h /data -s /sbin/nologin surveyd \
	&& mkdir -p /data \
	&& chown surveyd:surveyd /data
COPY --from=build /out/surveyd /usr/local/bin/surveyd
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
# /healthz says only that the process is up; /readyz also pings the database.
# The check assumes the default SURVEY_ADDR of :8080. busybox provides wget.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
	CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1
# On SIGTERM the server stops accepting and gives requests in flight up to 20 s:
# give it that long to stop (docker stop -t 30, stop_grace_period: 30s in compose).
ENTRYPOINT ["surveyd"]
CMD ["serve"]
