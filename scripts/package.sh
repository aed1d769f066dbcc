#!/usr/bin/env bash
# `make package`: a release build of ticketdesk, bundled by Tauri's bundler (the CLI from the
# UI's npm packages) as a .deb and an .rpm, as tauri.conf.json's `bundle` section describes
# them: binary, desktop entry (with the ticketdesk:// link handler), icons, version, Depends on
# WebKitGTK 4.1, GTK 3 and libayatana-appindicator3-1, Recommends postgresql (solo mode).
# Prints the paths of the packages, one a line, last.
#
# No AppImage: the bundler downloads linuxdeploy and its plugins at build time for it.
# Both packages are made offline: the .deb and the .rpm are written by the bundler itself.
#
# Environment: PACKAGE_BUNDLES (default "deb,rpm"), CARGO_TARGET_DIR (as for cargo).
set -euo pipefail
cd "$(dirname "$0")/.."
# The query macros check against .sqlx: no database needed (as in the Makefile).
export SQLX_OFFLINE="${SQLX_OFFLINE:-true}"
bundles="${PACKAGE_BUNDLES:-deb,rpm}"

tauri=ui/node_modules/.bin/tauri
[ -x "$tauri" ] || { echo "package: $tauri is missing: run scripts/deps.sh (npm ci in ui/)"; exit 1; }
# The bundler packs ui/dist as it is (tauri.conf.json has no beforeBuildCommand).
if [ ! -f ui/dist/index.html ]; then
  (cd ui && npm run build)
fi

# Where cargo (and so the bundler) writes: CARGO_TARGET_DIR or the workspace's target/.
target_dir=$(cargo metadata --format-version 1 --no-deps --offline 2>/dev/null |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
bundle_dir="$target_dir/release/bundle"
# Only this build's packages are listed at the end.
rm -rf "$bundle_dir/deb" "$bundle_dir/rpm"

# The CLI finds tauri.conf.json (and the app's Cargo.toml beside it) by searching from the
# current directory: here, the repository's root. --ci: never prompt.
start=$(date +%s)
"$tauri" build --ci --bundles "$bundles"
echo "package: built in $(( $(date +%s) - start )) s"

shopt -s nullglob
packages=("$bundle_dir"/deb/*.deb "$bundle_dir"/rpm/*.rpm)
((${#packages[@]})) || { echo "package: the bundler wrote no package under $bundle_dir"; exit 1; }
# The bundler adds the Depends itself (from the tauri features: WebKitGTK, GTK and, for the
# tray, libayatana-appindicator3); the runtime would fail without any of them.
for deb in "$bundle_dir"/deb/*.deb; do
  depends=$(dpkg-deb -f "$deb" Depends)
  for needed in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1; do
    [[ ", $depends," == *", $needed,"* ]] || { echo "package: $deb does not depend on $needed (Depends: $depends)"; exit 1; }
  done
  [ "$(dpkg-deb -f "$deb" Recommends)" = postgresql ] || { echo "package: $deb does not recommend postgresql"; exit 1; }
done
for p in "${packages[@]}"; do
  echo "$p"
done
