#!/usr/bin/env bash
# Builds the bundle that runs the CUDA backend on a GPU host that has no Java and no Maven:
# target/gpu-bundle/ at the repository root, holding
#   jre/    a Java runtime made by jlink from this JDK (the modules jdeps finds in lib/, plus
#           jdk.zipfs, which JUnit's class-path scanning of jars needs)
#   lib/    kernel-api, conf, kernel-testkit, the kernel-cuda jar (with liblactcuda.so inside, when
#           this machine has nvcc) and its test jar, shard-harness and data-pipeline (bin/lact
#           harness), their run-time dependencies, slf4j-simple and JUnit's standalone console launcher
#   COMMIT  the commit the bundle was built from, and whether the work tree differed from it
# then prints the bundle's size and that of the repository's tracked files (the two travel to the
# GPU host together and must stay well under 64 MiB). bin/lact runs the bundle when the full
# build (driver/target/lib) is absent; gpu/gpu-check.sh runs everything there.
# Usage: executor-kernels/kernel-cuda/gpu/build-bundle.sh   (from anywhere; it never runs mvn install)
#   JAVA_HOME     the JDK to take jlink, jdeps and the modules from (default: the javac on PATH)
#   MVN_ARGS      extra Maven arguments (e.g. -o, or -Dlact.cuda.skip=true)
set -euo pipefail

root="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
module="executor-kernels/kernel-cuda"
bundle="$root/target/gpu-bundle"
staged="$module/target/gpu-bundle-lib"

jdk="${JAVA_HOME:-}"
if [ -z "$jdk" ]; then
  javac_path="$(command -v javac || true)"
  [ -n "$javac_path" ] || { echo "build-bundle: no JDK found (set JAVA_HOME or put javac on PATH)" >&2; exit 2; }
  jdk="$(dirname "$(dirname "$(readlink -f "$javac_path")")")"
fi
for tool in jlink jdeps; do
  [ -x "$jdk/bin/$tool" ] || { echo "build-bundle: $jdk/bin/$tool not found: JAVA_HOME must be a full JDK" >&2; exit 2; }
done
[ -d "$jdk/jmods" ] || { echo "build-bundle: $jdk/jmods not found: jlink needs the JDK's modules (Debian: openjdk-17-jmods)" >&2; exit 2; }

rm -rf "$staged"
# shellcheck disable=SC2086
harness="executor-kernels/shard-harness"
rm -rf "$harness/target/gpu-bundle-lib"
mvn -B -q -DskipTests -Pgpu-bundle ${MVN_ARGS:-} package -pl "$module,$harness" -am

rm -rf "$bundle"
mkdir -p "$bundle/lib"
cp "$staged"/*.jar "$bundle/lib/"
# bin/lact harness: its jar and its run-time jars (the dataset reader; no Spark, Hadoop or tokenizer)
cp "$harness"/target/gpu-bundle-lib/*.jar "$bundle/lib/"
cp "$harness"/target/shard-harness-*.jar "$bundle/lib/"
found=0
for jar in "$module"/target/kernel-cuda-*.jar; do
  case "$jar" in *-sources.jar|*-javadoc.jar) continue ;; esac
  cp "$jar" "$bundle/lib/"
  found=1
done
[ "$found" = 1 ] || { echo "build-bundle: no kernel-cuda jar under $module/target" >&2; exit 1; }
main_jar="$(ls "$bundle"/lib/kernel-cuda-*.jar | grep -v -- '-tests\.jar$')"
if unzip -l "$main_jar" native/linux-x86_64/liblactcuda.so >/dev/null 2>&1; then
  echo "build-bundle: $(basename "$main_jar") carries native/linux-x86_64/liblactcuda.so"
else
  echo "build-bundle: WARNING: $(basename "$main_jar") carries no liblactcuda.so (no nvcc here, or -Dlact.cuda.skip=true);" \
    "the cuda backend will be unavailable on the GPU host unless -Dlact.cuda.library points at one" >&2
fi

# The modules the jars use, as jdeps sees them, less java.desktop (11 MB: only jackson-databind
# names it, for the optional java.beans annotations it loads reflectively and does without), plus
# jdk.zipfs (JUnit reads the jars on the class path through the zip file system, which nothing
# names statically).
modules="$("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$bundle"/lib/*.jar)"
modules="$(echo "$modules,jdk.zipfs" | tr ',' '\n' | grep -v '^java.desktop$' | paste -sd, -)"
"$jdk/bin/jlink" --module-path "$jdk/jmods" --add-modules "$modules" --output "$bundle/jre" \
  --strip-debug --no-man-pages --no-header-files --compress=2
# libjvm.so's symbol table is 4 MB of the runtime; without it a JVM crash log names libjvm frames
# by offset only (liblactcuda's own frames keep their names). LACT_BUNDLE_STRIP=0 keeps it.
if [ "${LACT_BUNDLE_STRIP:-1}" != 0 ] && command -v strip >/dev/null 2>&1; then
  chmod u+w "$bundle/jre/lib/server/libjvm.so"
  strip --strip-unneeded "$bundle/jre/lib/server/libjvm.so"
fi
echo "build-bundle: jre/ from $jdk with modules $modules"

# Smoke test of the runtime: the kernel command line, and this module's tests through JUnit's
# console launcher (the GPU tests skip here unless this machine has a GPU).
java_cmd=("$bundle/jre/bin/java" -cp "$bundle/lib/*")
"${java_cmd[@]}" org.lactspark.kernel.cli.KernelMain bench lact-op --backend reference --dtype float64 \
  --n 1 --d-in 4 --d-h 4 --length 8 --chunk 4 --warmup 0 --runs 1 >/dev/null
"${java_cmd[@]}" org.junit.platform.console.ConsoleLauncher --disable-banner --details=summary \
  --select-package org.lactspark.kernel.cuda --fail-if-no-tests >"$bundle/smoke-test.txt" 2>&1 || {
  cat "$bundle/smoke-test.txt" >&2
  echo "build-bundle: the bundle's runtime failed its smoke test" >&2
  exit 1
}
rm "$bundle/smoke-test.txt"
echo "build-bundle: smoke test passed (bench lact-op on the reference; kernel-cuda's tests through JUnit)"

{
  echo "commit $(git rev-parse HEAD)"
  if [ -n "$(git status --porcelain)" ]; then
    echo "work tree: dirty (uncommitted or untracked changes are in the bundle)"
  else
    echo "work tree: clean"
  fi
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n) with $("$jdk/bin/java" -version 2>&1 | head -1)"
} > "$bundle/COMMIT"

bundle_bytes="$(du -sb "$bundle" | cut -f1)"
tracked_bytes="$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)"
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "build-bundle: $bundle: $(mib "$bundle_bytes") (jre $(mib "$(du -sb "$bundle/jre" | cut -f1)"), lib $(mib "$(du -sb "$bundle/lib" | cut -f1)"));" \
  "with the tracked files ($(mib "$tracked_bytes")): $(mib $((bundle_bytes + tracked_bytes)))"
