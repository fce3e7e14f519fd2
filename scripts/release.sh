#!/usr/bin/env bash
# Builds wabi's release into dist/ (docs/releasing.md): for each target a static
# binary (no cgo) and an archive of it with README.md (and LICENSE, if there is
# one), a CycloneDX SBOM of each binary, and checksums.txt, the SHA-256 of every
# file in sha256sum's format.
#
# The build is reproducible: two runs at one commit, with one Go toolchain, make
# the same files byte for byte. The binaries are built with -trimpath and without
# VCS stamping, and the only time in them is the commit's; the archives carry
# that time too, fixed owners and modes, and files in a fixed order.
#
# Environment:
#   VERSION  the version to stamp (default: git describe --tags --always --dirty)
#   TARGETS  os/arch pairs to build (default: linux, darwin and windows on amd64
#            and arm64)
#   DIST     the output directory, emptied first (default: dist)
set -euo pipefail
cd "$(dirname "$0")/.."

targets=${TARGETS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}
version=${VERSION:-$(git describe --tags --always --dirty)}
dist=${DIST:-dist}
commit=$(git rev-parse HEAD)
date=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ)
epoch=$(git log -1 --format=%ct)
sbom_tool=github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0

case $version in
  "" | */* | *" "*) echo "release: unusable version \"$version\"" >&2; exit 1 ;;
esac
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "release: the checkout has uncommitted changes; the files will not match the commit's" >&2
fi

# The same inputs make the same binary only with the same toolchain and code
# generation settings: the Go version is go.mod's (fetched if the installed one
# differs), and what a developer's environment or "go env -w" may set is reset
# (an empty GOFLAGS would let the latter through).
export GOTOOLCHAIN="go$(go list -m -f '{{.GoVersion}}')"
export CGO_ENABLED=0 GOFLAGS=-mod=readonly GOEXPERIMENT= GOAMD64=v1 GOARM64=v8.0
ldflags="-s -w -X main.version=$version -X main.commit=$commit -X main.date=$date"

echo "release $version (commit $commit of $date, $(go env GOVERSION)) into $dist/"
rm -rf "$dist"
mkdir -p "$dist"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
umask 022

# The SBOM tool is built once, for this machine; GOOS and GOARCH then tell it
# which binary to describe.
GOBIN="$stage/bin" go install "$sbom_tool"

for target in $targets; do
  os=${target%/*} arch=${target#*/}
  exe=""
  [ "$os" = windows ] && exe=.exe
  name=wabi_${version}_${os}_${arch}
  echo "== $name"

  GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$dist/$name$exe" ./cmd/wabi

  # A native binary checks its own stamp: a -X name that no longer matches a
  # variable would otherwise be ignored without a word.
  if [ "$os/$arch" = "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" ]; then
    got=$("$dist/$name$exe" version | head -n 1)
    if [ "$got" != "wabi $version" ]; then
      echo "release: $name says \"$got\", not \"wabi $version\"" >&2
      exit 1
    fi
  fi

  # The archive holds one directory, named as the archive, with the binary as
  # wabi (wabi.exe) and the documents beside it.
  mkdir "$stage/$name"
  cp "$dist/$name$exe" "$stage/$name/wabi$exe"
  files=("$name/README.md" "$name/wabi$exe")
  cp README.md "$stage/$name/"
  if [ -f LICENSE ]; then
    cp LICENSE "$stage/$name/"
    files=("$name/LICENSE" "${files[@]}")
  fi
  chmod 0755 "$stage/$name" "$stage/$name/wabi$exe"
  touch -d "@$epoch" "$stage/$name" "$stage/$name"/*
  if [ "$os" = windows ]; then
    # -X leaves out the extra fields (owners, times beyond the one DOS time,
    # which TZ=UTC makes the commit's UTC time).
    (cd "$stage" && TZ=UTC zip -q -X -9 "$name.zip" "$name" "${files[@]}")
    mv "$stage/$name.zip" "$dist/"
  else
    tar -C "$stage" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=gnu \
      -cf - "$name" | gzip -n -9 >"$dist/$name.tar.gz"
  fi
  rm -rf "${stage:?}/$name"

  # The SBOM lists the modules of this binary (they differ a little between
  # systems), without the time or a random serial number it would otherwise
  # carry.
  GOOS=$os GOARCH=$arch "$stage/bin/cyclonedx-gomod" app -json -licenses -std -notimestamp -noserial \
    -main cmd/wabi -output "$dist/$name.cdx.json" . 2>"$stage/sbom.log" ||
    { cat "$stage/sbom.log" >&2; exit 1; }
done

(cd "$dist" && find . -maxdepth 1 -type f -name 'wabi_*' -printf '%f\n' | LC_ALL=C sort | xargs sha256sum >checksums.txt)
echo "== $dist/checksums.txt"
cat "$dist/checksums.txt"
