#!/usr/bin/env bash
# Prepares what the tests need on this machine; quick when it is already there:
#  - a Docker Engine answering on /var/run/docker.sock (starts dockerd when none answers),
#  - the test image drover-test/busybox:1 built locally from busybox-static (docker import),
#  - a local registry on 127.0.0.1:5000 serving 127.0.0.1:5000/drover-test/busybox:1,
#  - a second one on 127.0.0.1:5001 with htpasswd authentication (user drover, password
#    drover-test-pass: test-only credentials) serving 127.0.0.1:5001/private/busybox:1.
# Nothing is fetched from outside.
set -euo pipefail
STATE=${DROVER_TEST_STATE:-/tmp/drover-test-env}
REGISTRY=${DROVER_TEST_REGISTRY:-127.0.0.1:5000}
AUTH_REGISTRY=${DROVER_TEST_AUTH_REGISTRY:-127.0.0.1:5001}
AUTH_USER=drover
AUTH_PASS=drover-test-pass
IMAGE=drover-test/busybox:1
mkdir -p "$STATE"

docker_ok() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
if ! docker_ok; then
  echo "starting dockerd (log: $STATE/dockerd.log)"
  setsid nohup dockerd >"$STATE/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do docker_ok && break; sleep 0.5; done
  docker_ok || { echo "dockerd did not come up; see $STATE/dockerd.log" >&2; tail -20 "$STATE/dockerd.log" >&2; exit 1; }
fi

# A private engine started by a test with the default bridge removes docker0 when it stops,
# and the shared engine then cannot start a container ("could not find bridge docker0"): put
# the bridge back with the gateway the shared engine expects.
if ! ip link show docker0 >/dev/null 2>&1; then
  gw=$(docker network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}' 2>/dev/null || true)
  sub=$(docker network inspect bridge --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}' 2>/dev/null || true)
  if [ -n "$gw" ] && [ -n "$sub" ]; then
    echo "docker0 is missing: recreating it ($gw/${sub#*/})"
    ip link add docker0 type bridge && ip addr add "$gw/${sub#*/}" dev docker0 && ip link set docker0 up
  fi
fi

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "building $IMAGE from busybox-static"
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/www" "$root/proc" "$root/sys" "$root/dev"
  cp "$(command -v busybox)" "$root/bin/busybox"
  for a in $("$root/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  echo 'drover test page' >"$root/www/index.html"
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - "$IMAGE" >/dev/null
  rm -rf "$root"
fi

registry_ok() { curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1; }
if ! registry_ok; then
  echo "starting local registry on $REGISTRY"
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY
YML
  setsid nohup docker-registry serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 </dev/null &
  for _ in $(seq 1 40); do registry_ok && break; sleep 0.25; done
  registry_ok || { echo "registry did not come up; see $STATE/registry.log" >&2; exit 1; }
fi
if ! curl -fsS "http://$REGISTRY/v2/drover-test/busybox/tags/list" 2>/dev/null | grep -q '"1"'; then
  docker tag "$IMAGE" "$REGISTRY/$IMAGE"
  docker push -q "$REGISTRY/$IMAGE" >/dev/null
fi
# The private registry: same image, basic auth from an htpasswd file (bcrypt, as the registry
# requires). Pushed with a throwaway docker config so root's own config.json is left alone.
auth_registry_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$AUTH_REGISTRY/v2/")" = 401 ]; }
if ! auth_registry_up; then
  echo "starting local registry with htpasswd on $AUTH_REGISTRY"
  mkdir -p "$STATE/auth-registry"
  htpasswd -Bbn "$AUTH_USER" "$AUTH_PASS" >"$STATE/auth-registry.htpasswd"
  cat >"$STATE/auth-registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $STATE/auth-registry
  delete:
    enabled: true
http:
  addr: $AUTH_REGISTRY
auth:
  htpasswd:
    realm: drover-test
    path: $STATE/auth-registry.htpasswd
YML
  setsid nohup docker-registry serve "$STATE/auth-registry.yml" >"$STATE/auth-registry.log" 2>&1 </dev/null &
  for _ in $(seq 1 40); do auth_registry_up && break; sleep 0.25; done
  auth_registry_up || { echo "registry with htpasswd did not come up; see $STATE/auth-registry.log" >&2; exit 1; }
fi
if ! curl -fsS -u "$AUTH_USER:$AUTH_PASS" "http://$AUTH_REGISTRY/v2/private/busybox/tags/list" 2>/dev/null | grep -q '"1"'; then
  export DOCKER_CONFIG="$STATE/docker-config-auth"
  mkdir -p "$DOCKER_CONFIG"
  echo "$AUTH_PASS" | docker login -u "$AUTH_USER" --password-stdin "$AUTH_REGISTRY" >/dev/null
  docker tag "$IMAGE" "$AUTH_REGISTRY/private/busybox:1"
  docker push -q "$AUTH_REGISTRY/private/busybox:1" >/dev/null
  docker rmi "$AUTH_REGISTRY/private/busybox:1" >/dev/null
  unset DOCKER_CONFIG
fi
echo "test environment ready: docker $(docker version --format '{{.Server.Version}}'), image $IMAGE, registries $REGISTRY and $AUTH_REGISTRY (htpasswd)"
