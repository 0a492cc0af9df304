#!/usr/bin/env bash
# The Debian package as a user installs it: `cmake --build BUILD --target
# package` writes pgsafe_<version>_<arch>.deb; it is unpacked into an empty
# directory with `dpkg-deb -x` and the pgsafe found there must report its
# version, list its rules with their embedded docs, lint a migration, trace
# one on a throwaway PostgreSQL (found with only the server package), and come
# with its man page, docs and example policies. Run by CTest as the `package`
# test (label cli) with the build directory as its argument.
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pgsafe-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
    echo "package test: $*" >&2
    exit 1
}

if ! cmake --build "$build" --target package >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    fail "cmake --build $build --target package failed"
fi

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
deb="$build/pgsafe_${version}_$(dpkg --print-architecture).deb"
[[ -f $deb ]] || fail "no $deb after the package target ($(ls "$build"/*.deb 2>/dev/null || echo 'no .deb at all'))"

# Dependencies come from dpkg-shlibdeps: the libraries pgsafe links, with versions.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for library in libc6 libpqxx libstdc++6; do
    [[ $depends == *"$library"* ]] || fail "Depends lacks $library: $depends"
done

root="$work/root"
dpkg-deb -x "$deb" "$root"
pgsafe="$root/usr/bin/pgsafe"
[[ -x $pgsafe ]] || fail "no executable usr/bin/pgsafe in the package"

# From a directory of its own: nothing of the source tree or build tree is found.
cd "$work"
[[ $("$pgsafe" --version) == "pgsafe $version" ]] || fail "--version: $("$pgsafe" --version)"
"$pgsafe" rules >rules.txt
grep -q '^adding-foreign-key-constraint ' rules.txt || fail "pgsafe rules does not list adding-foreign-key-constraint"
"$pgsafe" rules adding-foreign-key-constraint | grep -q 'NOT VALID' || fail "the embedded rule page is missing"

mkdir migrations
printf 'ALTER TABLE measurements ADD CONSTRAINT m_fk FOREIGN KEY (patient_id) REFERENCES patients (id);\n' \
    >migrations/V1__fk.sql
status=0
"$pgsafe" lint migrations >lint.txt || status=$?
cat lint.txt
[[ $status == 1 ]] || fail "lint of a foreign key on an existing table exited $status, not 1"
grep -q 'migrations/V1__fk.sql:1:.*error\[adding-foreign-key-constraint\]' lint.txt || fail "lint did not report the finding"
"$pgsafe" lint "$root/usr/share/doc/pgsafe/examples/migrations" --format json >examples.json ||
    [[ $? == 1 ]] || fail "lint of the packaged example migrations failed to run"
grep -q '"summary"' examples.json || fail "no JSON report for the packaged examples"

# trace on its own throwaway server, with nothing but PostgreSQL's server
# package: the programs found without PGSAFE_PG_BINDIR, and nothing left in
# TMPDIR afterwards (the server runs as postgres when this runs as root).
mkdir -p traced/migrations "$work/tmp"
chmod 711 "$work" && chmod 1777 "$work/tmp"
printf 'CREATE TABLE t (id bigint PRIMARY KEY, v int);\nALTER TABLE t ADD COLUMN note text;\n' \
    >traced/migrations/V1__t.sql
status=0
(cd traced && env -i HOME="$work" TMPDIR="$work/tmp" PATH=/usr/bin:/bin "$pgsafe" trace migrations >../trace.txt) ||
    status=$?
cat trace.txt
[[ $status == 0 ]] || fail "pgsafe trace migrations/ exited $status, not 0"
grep -q 'AccessExclusiveLock on public.t (table)' trace.txt || fail "trace did not report the lock"
grep -q 'model: agrees' trace.txt || fail "trace did not check the lock model"
[[ -z $(ls -A "$work/tmp") ]] || fail "trace left $(ls "$work/tmp") in TMPDIR"

man="$root/usr/share/man/man1/pgsafe.1.gz"
[[ -f $man ]] || fail "no man page at usr/share/man/man1/pgsafe.1.gz"
zcat "$man" | grep -q '^\.TH PGSAFE "1"' || fail "the man page has no .TH PGSAFE 1 header"
zcat "$man" | grep -q 'EXIT STATUS' || fail "the man page lacks the EXIT STATUS section"

doc="$root/usr/share/doc/pgsafe"
for file in README.md docs/ci.md docs/rules/adding-foreign-key-constraint.md examples/policies/README.md; do
    [[ -f $doc/$file ]] || fail "no /usr/share/doc/pgsafe/$file"
done
echo "package test: $(basename "$deb") installs and runs"
