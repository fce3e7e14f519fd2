# The README's two commands are `go run ./cmd/wabi` and `go test ./...`; these
# targets are shortcuts around them.

.PHONY: run test race bench build ci version release

# VERSION is what a release is stamped with (docs/releasing.md).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)

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

version:
	@echo $(VERSION)

# Static binaries for linux, darwin and windows on amd64 and arm64, their
# archives, SBOMs and checksums, in dist/ (docs/releasing.md).
release:
	VERSION=$(VERSION) bash scripts/release.sh

# The container image (Dockerfile, docs/docker.md). No builder image is pulled:
# the static binary, CA certificates and passwd are made here, into
# build/image/, and the Dockerfile copies them FROM scratch. IMAGE names the
# image; IMAGE_ARCH is its architecture (default: this machine's); CA_CERTS is
# the host's CA bundle (Debian, Ubuntu and Alpine keep it here).
IMAGE ?= wabi
IMAGE_ARCH ?= $(shell go env GOARCH)
CA_CERTS ?= /etc/ssl/certs/ca-certificates.crt
IMAGE_DIR := build/image
# wabi version in the image: the checkout's, as for a release; empty outside a
# git checkout, where wabi says devel.
IMAGE_LDFLAGS = -s -w -X main.version=$(shell git describe --tags --always --dirty 2>/dev/null) \
	-X main.commit=$(shell git rev-parse HEAD 2>/dev/null) -X main.date=$(shell git log -1 --format=%cI 2>/dev/null)

.PHONY: image image-context

image: image-context
	docker build -t $(IMAGE) .

image-context:
	@test -r $(CA_CERTS) || { echo "no CA bundle at $(CA_CERTS): set CA_CERTS to one"; exit 1; }
	rm -rf $(IMAGE_DIR)
	mkdir -p $(IMAGE_DIR)/rootfs/usr/local/bin $(IMAGE_DIR)/rootfs/etc/ssl/certs $(IMAGE_DIR)/rootfs/tmp $(IMAGE_DIR)/data
	CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) go build -trimpath -tags timetzdata -ldflags '$(IMAGE_LDFLAGS)' \
		-o $(IMAGE_DIR)/rootfs/usr/local/bin/wabi ./cmd/wabi
	cp $(CA_CERTS) $(IMAGE_DIR)/rootfs/etc/ssl/certs/ca-certificates.crt
	printf 'root:x:0:0:root:/:/sbin/nologin\nwabi:x:65532:65532:wabi:/data:/sbin/nologin\n' > $(IMAGE_DIR)/rootfs/etc/passwd
	printf 'root:x:0:\nwabi:x:65532:\n' > $(IMAGE_DIR)/rootfs/etc/group
	chmod 1777 $(IMAGE_DIR)/rootfs/tmp
	chmod 0755 $(IMAGE_DIR)/data
