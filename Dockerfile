# wabi's container image: one static binary FROM scratch, with CA certificates
# (relayed numbers reach Meta over TLS), time zone data (compiled into the
# binary with -tags timetzdata), a non-root user and a /data volume.
#
# Nothing is pulled: the binary and the files beside it are made on the host
# first, into build/image/, and this file only copies them. Build with
#
#	make image                        # the same as: make image-context && docker build -t wabi .
#
# and run with
#
#	docker run -d --name wabi -p 8080:8080 -v wabi-data:/data wabi
#	docker exec wabi wabi admin-key   # the control API's key, made on first start
#
# docs/docker.md has the rest: the admin key, health, upgrading, PostgreSQL.
FROM scratch

# The binary, certificates, passwd and group (root and wabi, 65532) and /tmp,
# owned by root; the data directory owned by wabi, so that a new named volume
# on /data starts out writable by it.
COPY build/image/rootfs/ /
COPY --chown=65532:65532 build/image/data/ /data/

USER 65532:65532
ENV PATH=/usr/local/bin \
    WABI_ADDR=0.0.0.0:8080 \
    WABI_DATA=/data
VOLUME /data
EXPOSE 8080

# GET /healthz on the address above; wabi health exits 0 when wabi answers.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/wabi", "health"]

LABEL org.opencontainers.image.title="wabi" \
      org.opencontainers.image.description="Self-hosted WhatsApp Business Platform: Cloud API and On-Premises API over a simulated network, in one binary" \
      org.opencontainers.image.source="https://github.com/wabihq/wabi"

ENTRYPOINT ["/usr/local/bin/wabi"]
CMD ["serve"]
