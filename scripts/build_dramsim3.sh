#!/usr/bin/env bash
# Build DRAMsim3 (github.com/umd-memsys/DRAMsim3) from a source folder you supply, outside this
# repository: DRAMsim3 is the oracle of scripts/dramsim3_compare.py, never a dependency, and its
# source is not ours to commit. Get it with `git clone https://github.com/umd-memsys/DRAMsim3`
# (the comparison in reports/dram/ was made with a build of its master branch).
#
#   bash scripts/build_dramsim3.sh SOURCE [OUT]     # OUT defaults to /tmp/dramsim3
#   python scripts/dramsim3_compare.py --dramsim3 OUT/build/dramsim3main
#
# The source is copied to OUT/src first: DRAMsim3's CMakeLists writes libdramsim3.so into its
# source folder, and a copy leaves yours untouched (it may be read-only). Needs cmake >= 3.0, make
# and a C++11 compiler; builds the Release configuration (DRAMsim3's default) without thermal
# modelling, as its README's "cmake .. && make -j4" does. Prints the path of dramsim3main.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: bash scripts/build_dramsim3.sh SOURCE [OUT]" >&2
    exit 2
fi
source_dir=$1
out=${2:-/tmp/dramsim3}
if [[ ! -f "$source_dir/CMakeLists.txt" ]] || ! grep -q "project(dramsim3)" "$source_dir/CMakeLists.txt"; then
    echo "build_dramsim3.sh: $source_dir is not a DRAMsim3 source folder (no CMakeLists.txt with project(dramsim3))" >&2
    exit 2
fi
for tool in cmake make c++; do
    if ! command -v "$tool" >/dev/null; then
        echo "build_dramsim3.sh: $tool not found on PATH" >&2
        exit 2
    fi
done

mkdir -p "$out"
rm -rf "$out/src" "$out/build"
# the source without any build output it may carry
tar -C "$source_dir" --exclude=./build --exclude=./libdramsim3.so -cf - . | (mkdir "$out/src" && tar -C "$out/src" -xf -)
step() {  # step NAME COMMAND...: run it, its output in OUT/NAME.log; on failure show the end
    local name=$1
    shift
    if ! "$@" >"$out/$name.log" 2>&1; then
        tail -n 20 "$out/$name.log" >&2
        echo "build_dramsim3.sh: $name failed; the whole log is $out/$name.log" >&2
        exit 1
    fi
}
step cmake cmake -S "$out/src" -B "$out/build" -DCMAKE_BUILD_TYPE=Release
step make make -C "$out/build" -j "$(nproc)" dramsim3main
"$out/build/dramsim3main" --help >/dev/null  # it runs (and finds libdramsim3.so)
echo "$out/build/dramsim3main"
