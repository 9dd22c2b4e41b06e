#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine that has g++, cmake and git:
#   tools/setup.sh run    install what is missing, build, start SparseScope
#   tools/setup.sh test   install what is missing, build, run the whole test suite (ctest)
# Options through the environment: BUILD_DIR (default build), JOBS (default nproc),
# SPARSESCOPE_CMAKE_ARGS (extra cmake arguments).
set -euo pipefail

mode=${1:-run}
shift || true
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
jobs=${JOBS:-$(nproc)}

packages=(
  build-essential cmake pkg-config git
  qt6-base-dev libgl-dev libqcustomplot-dev libeigen3-dev nlohmann-json3-dev libpcre2-dev zlib1g-dev
  fontconfig fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

werror=OFF
if [ -n "${CI:-}" ]; then werror=ON; fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSPARSESCOPE_WERROR=$werror \
  ${SPARSESCOPE_CMAKE_ARGS:-}
cmake --build "$build" -j "$jobs"

case "$mode" in
  run)
    if [ -x "$build/app/sparsescope" ]; then
      exec "$build/app/sparsescope" "$@"
    fi
    # Until the desktop app is built: the CLI analyses a bundled sample with the bundled model.
    exec "$build/app/sparsescope-cli" eval --text-file "$root/samples/dialogue_attention_tutorial.txt" \
      --max-tokens 1024 --preset streamingllm "$@"
    ;;
  test)
    cd "$build"
    QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$jobs" --timeout 900 "$@"
    ;;
  *)
    echo "usage: tools/setup.sh run|test" >&2
    exit 2
    ;;
esac
