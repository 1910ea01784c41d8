# Shared by scripts/bootstrap and scripts/docker-setup (sourced, not run).

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# install_packages PKG...: install the named Debian packages, with $APT_OPTIONS if set; needs root.
install_packages() {
  (($#)) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing system packages: $*. Install them with: sudo apt-get install -y $*" >&2
    exit 1
  fi
  say "Installing $*"
  apt-get update -qq
  # shellcheck disable=SC2086 # APT_OPTIONS holds separate words
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${APT_OPTIONS:-} "$@" >/dev/null
}
