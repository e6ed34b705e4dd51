# surveyd in a container: a static, pure-Go binary on a small Alpine base.
#
#   docker build -t surveyd .
#   docker run -p 8080:8080 -v surveyd-data:/data surveyd                 # SQLite in /data/surveys.db
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://... surveyd        # PostgreSQL
#   docker run -p 9000:9000 -e SURVEY_ADDR=:9000 surveyd                  # another port: the health check follows
#
# docker-compose.yml runs it on PostgreSQL 15, with a demo and a production profile.

# The current Go release, 1.27 (go.mod asks for 1.26.8 or later, which the tests
# run on; 1.27 builds it unchanged), on Alpine; Alpine 3.23 at run time, supported
# until November 2027. Bump these tags as new releases come out.
FROM golang:1.27-alpine AS build
# If go.mod ever asks for a newer Go than a cached image has, GOTOOLCHAIN=auto
# fetches that toolchain instead of refusing to build (the image pins local).
ENV GOTOOLCHAIN=auto
WORKDIR /src
# The module download is its own layer, rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/surveyd ./cmd/surveyd

FROM alpine:3.23
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
# The address the server listens on; set SURVEY_ADDR (not --addr) to move it, so
# that the health check below moves with it.
ENV SURVEY_ADDR=:8080
EXPOSE 8080
# /healthz says only that the process is up (a restart would help); /readyz also
# pings the database (docker-compose.yml checks that). The port is the one of
# SURVEY_ADDR: whatever follows its last colon (the server's default, :8080, when
# it is empty). busybox provides wget.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
	CMD a="${SURVEY_ADDR:-:8080}"; wget -q -O /dev/null "http://127.0.0.1:${a##*:}/healthz" || exit 1
# On SIGTERM the server stops accepting and gives requests in flight up to 20 s:
# give it that long to stop (docker stop -t 30, stop_grace_period: 30s in compose).
ENTRYPOINT ["surveyd"]
CMD ["serve"]
