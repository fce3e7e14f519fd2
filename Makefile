# The README's two commands are `go run ./cmd/wabi` and `go test ./...`; these
# targets are shortcuts around them.

.PHONY: run test race bench build ci

run:
	go run ./cmd/wabi

test:
	go test ./...

race:
	go test -race ./...

# Short benchmarks of the send path, webhook delivery and the store.
bench:
	go test -run '^$$' -bench . -benchtime 2s ./internal/cloudapi ./internal/webhook ./internal/sqlite

build:
	CGO_ENABLED=0 go build -o wabi ./cmd/wabi

ci:
	bash .ci/run
