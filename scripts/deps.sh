#!/usr/bin/env bash
# Installs what ticketdesk needs to build, run and test, and nothing twice: Debian packages,
# the UI's npm packages, and tauri-driver for the real-window test.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # build: Tauri 2 on Linux
  build-essential pkg-config libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev
  librsvg2-dev libxdo-dev libssl-dev
  # run: solo-mode PostgreSQL, native notifications, the tray (loaded at run time: without it
  # there is no tray and closing the window quits)
  postgresql dbus-x11 dunst libayatana-appindicator3-1
  # headless runs and tests: X server, WebKit's WebDriver, Chromium for UI tests, gdbus (the
  # real-window test reads the tray on D-Bus)
  xvfb xauth webkit2gtk-driver chromium libglib2.0-bin
  # the refresh token in a real Secret Service: gnome-keyring on one e2e desktop's bus, read
  # back with secret-tool
  gnome-keyring libsecret-tools
  # the package test: desktop-file-validate, and the dpkg trigger that registers the .deb's
  # ticketdesk:// handler (mimeinfo.cache), as on any desktop
  desktop-file-utils
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's postgresql package starts a system cluster we do not use; ticketdesk runs its own.

command -v cargo >/dev/null || { echo "deps: Rust is missing: install it with rustup (https://rustup.rs)"; exit 1; }
command -v npm >/dev/null || { echo "deps: Node.js and npm are missing: apt-get install nodejs npm"; exit 1; }

# npm ci only when the lockfile changed since the last install.
stamp=ui/node_modules/.ticketdesk-lock
if [ ! -f "$stamp" ] || ! cmp -s ui/package-lock.json "$stamp"; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  cp ui/package-lock.json "$stamp"
fi

if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "deps: installing tauri-driver"
  cargo install tauri-driver --locked --quiet
fi
