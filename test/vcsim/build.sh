#!/usr/bin/env bash
# Builds test/vcsim/bin/vcsim-vdrift, the vCenter simulator that the
# integration tests start, from the Go files beside this script.
#
# It needs Go and govmomi's source from Debian (golang-go and
# golang-github-vmware-govmomi-dev) and builds in GOPATH mode against them,
# so no Go module is downloaded. When either is missing it installs both with
# apt-get if it runs as root, and otherwise stops with the command to run.
# The build is skipped while the binary is newer than every .go file.
set -euo pipefail

readonly GOPATH_DIR=/usr/share/gocode
readonly GOVMOMI_SRC="$GOPATH_DIR/src/github.com/vmware/govmomi/simulator"
readonly PACKAGES=(golang-go golang-github-vmware-govmomi-dev)

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binary="$script_dir/bin/vcsim-vdrift"

# Debian's golang-go links go into /usr/bin. The versioned folders cover
# machines where that link is missing.
find_go() {
  if command -v go >/dev/null 2>&1; then
    command -v go
    return
  fi
  local candidate
  for candidate in /usr/lib/go/bin/go /usr/lib/go-*/bin/go; do
    if [[ -x "$candidate" ]]; then
      echo "$candidate"
      return
    fi
  done
}

install_packages() {
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "build.sh: Go or govmomi's source is missing, and installing them needs root." >&2
    echo "Install them with: sudo apt-get install -y ${PACKAGES[*]}" >&2
    exit 1
  fi
  echo "build.sh: installing ${PACKAGES[*]} with apt-get" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
}

go_bin="$(find_go || true)"
if [[ -z "$go_bin" || ! -d "$GOVMOMI_SRC" ]]; then
  install_packages
  go_bin="$(find_go || true)"
fi
if [[ -z "$go_bin" || ! -d "$GOVMOMI_SRC" ]]; then
  echo "build.sh: Go or $GOVMOMI_SRC is still missing after installing ${PACKAGES[*]}" >&2
  exit 1
fi

if [[ -x "$binary" ]]; then
  newer="$(find "$script_dir" -maxdepth 1 -name '*.go' -newer "$binary" -print -quit)"
  if [[ -z "$newer" ]]; then
    echo "build.sh: $binary is up to date" >&2
    exit 0
  fi
fi

# Go keeps its build cache under the user's cache folder, which it finds
# through XDG_CACHE_HOME or HOME. Without either, use a folder under TMPDIR.
if [[ -z "${GOCACHE:-}" && -z "${XDG_CACHE_HOME:-}" && -z "${HOME:-}" ]]; then
  export GOCACHE="${TMPDIR:-/tmp}/vdrift-go-cache"
fi

mkdir -p "$script_dir/bin"
echo "build.sh: building $binary with $("$go_bin" version)" >&2
# GOFLAGS is cleared because module flags from the caller's environment fail
# in GOPATH mode. -trimpath keeps local paths out of the binary.
(cd "$script_dir" && GOPATH="$GOPATH_DIR" GO111MODULE=off GOFLAGS='' \
  "$go_bin" build -trimpath -o "$binary.tmp" .)
mv "$binary.tmp" "$binary"
echo "build.sh: built $binary" >&2
