#!/usr/bin/env bash
# Builds healthgate_<version>_<arch>.deb (`make deb`): the binaries in release mode with the Swift
# runtime linked in statically, so a board needs no Swift toolchain, only Debian's C libraries (zbar,
# zxing-cpp, libgpiod, libv4l, SQLite, zlib; gatectl also libpng), which Depends: names as dpkg-shlibdeps finds
# them, and healthgate-uplink (the county link, its unit not enabled) and the voice clips. healthgate-dev (keys,
# issuing, forging, QR rendering) is for developers and never packaged.
# Output: .build/deb/healthgate_<version>_<arch>.deb (or $HEALTHGATE_DEB_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
started=$SECONDS
die() { echo "build-deb: error: $*" >&2; exit 1; }

HEALTHGATE_DEPS_EXTRA=deb scripts/install-deps.sh

# The version is written once, in Swift, so `--version`, the metrics and the package agree.
version=$(sed -n 's/^public let healthgateVersion = "\(.*\)"$/\1/p' Sources/GateCore/Version.swift)
[[ $version =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "no valid version in Sources/GateCore/Version.swift (got '$version')"
arch=$(dpkg --print-architecture)
[ -f config/healthgate.toml ] || die "config/healthgate.toml (the default configuration) is missing"

echo "== release build (static Swift runtime)"
build=(swift build -c release --static-swift-stdlib)
"${build[@]}" --product healthgated
"${build[@]}" --product gatectl
"${build[@]}" --product healthgate-uplink
bin=$("${build[@]}" --show-bin-path)

# The Swift runtime must be inside the binaries, the C libraries outside (Debian ships their fixes).
needed() { readelf -d "$1" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'; }
check_links() {
    local binary=$1; shift
    local libs; libs=$(needed "$bin/$binary")
    if grep -E '^lib(swift|Foundation|_Foundation|dispatch|BlocksRuntime)' <<<"$libs"; then
        die "$binary links the Swift runtime dynamically (see above)"
    fi
    for lib in "$@"; do
        grep -qx "$lib" <<<"$libs" || die "$binary does not link $lib dynamically; it needs: $(echo $libs)"
    done
    echo "$binary needs: $(echo $libs)"
}
c_libs=(libzbar.so.0 libZXing.so.2 libgpiod.so.2 libv4l2.so.0 libsqlite3.so.0 libz.so.1)
check_links healthgated "${c_libs[@]}"
check_links gatectl "${c_libs[@]}" libpng16.so.16
check_links healthgate-uplink libsqlite3.so.0
# gatectl reads codes, it does not draw them: libqrencode in it would mean the developer tooling leaked in.
! grep -qx libqrencode.so.4 <<<"$(needed "$bin/gatectl")" || die "gatectl links libqrencode: the developer tooling is in it"

echo "== staging"
package=healthgate_${version}_${arch}
out=${HEALTHGATE_DEB_DIR:-$repo/.build/deb}
stage=$out/$package
rm -rf "$stage"
mkdir -p "$stage"/{DEBIAN,usr/bin,lib/systemd/system,usr/lib/sysusers.d,usr/lib/tmpfiles.d,etc/healthgate/trust} \
         "$stage"/usr/share/{healthgate/board,doc/healthgate,man/man1,man/man8}

# Stripped: the symbol tables are a third of the size and a board has little flash; crash reports
# still name the module and offset.
install -m 0755 -s "$bin/healthgated" "$bin/gatectl" "$bin/healthgate-uplink" "$stage/usr/bin/"
install -m 0644 systemd/healthgated.service "$stage/lib/systemd/system/healthgated.service"
# Not enabled by postinst's preset: it starts only once /etc/healthgate/uplink.toml exists (docs/fleet.md).
install -m 0644 systemd/healthgate-uplink.service "$stage/lib/systemd/system/healthgate-uplink.service"

# The voice prompts, spoken by espeak-ng at package time into the default [voice] clips_dir; a venue may replace
# any file with a recording. healthgate-dev (debug build, never packaged) lists the prompts' texts.
swift build --product healthgate-dev 2>&1 | tail -1
BIN=$(swift build --show-bin-path) scripts/make-voice-clips.sh "$stage/usr/share/healthgate/voice"
rm -f "$stage"/usr/share/healthgate/voice/*/texts.tsv
install -m 0644 systemd/healthgate.sysusers "$stage/usr/lib/sysusers.d/healthgate.conf"
install -m 0644 systemd/healthgate.tmpfiles "$stage/usr/lib/tmpfiles.d/healthgate.conf"
install -m 0644 config/healthgate.toml "$stage/etc/healthgate/healthgate.toml"

# Board support comes from board/ (udev rules, pin maps); it is packaged whatever of it exists.
if [ -f board/99-healthgate.rules ]; then
    mkdir -p "$stage/lib/udev/rules.d"
    install -m 0644 board/99-healthgate.rules "$stage/lib/udev/rules.d/99-healthgate.rules"
else
    echo "build-deb: warning: board/99-healthgate.rules not found: the package has no udev rules" >&2
fi
shopt -s nullglob
profiles=(board/*.toml)
((${#profiles[@]})) && install -m 0644 "${profiles[@]}" "$stage/usr/share/healthgate/board/"
docs=(docs/*.md)
[ -f README.md ] && docs+=(README.md)
((${#docs[@]})) && install -m 0644 "${docs[@]}" "$stage/usr/share/doc/healthgate/"
shopt -u nullglob

# Man pages from the binaries' own --help, so they never disagree. help2man runs the program through a shell
# and splits its path at spaces, so it runs from the binaries' directory (the checkout may be anywhere).
(
    cd "$stage/usr/bin"
    help2man -N --no-discard-stderr --version-string="$version" -s 8 -S healthgate \
        -n "health-code entrance gate daemon" ./healthgated | gzip -9n > "$stage/usr/share/man/man8/healthgated.8.gz"
    help2man -N --no-discard-stderr --version-string="$version" -s 1 -S healthgate \
        -n "inspect and operate a healthgate entrance gate" ./gatectl | gzip -9n > "$stage/usr/share/man/man1/gatectl.1.gz"
    help2man -N --no-discard-stderr --version-string="$version" -s 8 -S healthgate \
        -n "ship the entry log to the county database" ./healthgate-uplink | gzip -9n > "$stage/usr/share/man/man8/healthgate-uplink.8.gz"
)

echo "== control"
# dpkg-shlibdeps reads the package layout from a debian/control; give it a minimal one.
shlibs_dir=$(mktemp -d)
trap 'rm -rf "$shlibs_dir"' EXIT
mkdir "$shlibs_dir/debian"
printf 'Source: healthgate\n\nPackage: healthgate\nArchitecture: any\n' > "$shlibs_dir/debian/control"
shlibs=$(cd "$shlibs_dir" && dpkg-shlibdeps -O "$stage/usr/bin/healthgated" "$stage/usr/bin/gatectl" "$stage/usr/bin/healthgate-uplink" | sed -n 's/^shlibs:Depends=//p')
for runtime in libzbar0 libzxing2 libgpiod2 libv4l-0 libsqlite3-0 zlib1g libpng16-16 libfreetype6 libasound2; do
    grep -q "\b$runtime\b" <<<"$shlibs" || die "Depends: lacks $runtime (shlibdeps gave: $shlibs)"
done

install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$stage/DEBIAN/"
echo /etc/healthgate/healthgate.toml > "$stage/DEBIAN/conffiles"
cat > "$stage/DEBIAN/control" <<EOF
Package: healthgate
Version: $version
Architecture: $arch
Maintainer: healthgate maintainers <maintainers@healthgate.invalid>
Section: misc
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $shlibs, systemd (>= 247), procps, fonts-wqy-microhei
Suggests: prometheus-node-exporter, zbar-tools, gpiod, i2c-tools, v4l-utils
Description: firmware for health-code entrance gates
 healthgated reads a QR health code from a USB camera, verifies it offline
 against a trust store of issuer keys, takes the visitor's temperature with an
 MLX90614 infrared thermometer, opens the gate through a relay and logs every
 attempt to SQLite with personal data masked. gatectl lets staff read the log
 and the gate's status over SSH. Runs as a sandboxed systemd service with a
 watchdog; exports Prometheus metrics through node_exporter's textfile
 collector.
EOF

echo "== dpkg-deb"
# zstd, not dpkg's default xz: xz takes minutes on the ~140 MB of static binaries (two cores), zstd -10
# seconds, for a package a third larger. dpkg has read zstd packages since Debian 12.
dpkg-deb --root-owner-group -Zzstd -z10 --build "$stage" "$out/$package.deb" >/dev/null
rm -rf "$stage"
echo "built $out/$package.deb ($(du -h "$out/$package.deb" | cut -f1)) in $((SECONDS - started)) s"
