#!/usr/bin/env bash
# Prepares what the tests need on this machine; quick when it is already there:
#  - a Docker Engine answering on /var/run/docker.sock (starts dockerd when none answers),
#  - the test image drover-test/busybox:1 built locally from busybox-static (docker import),
#  - a local registry on 127.0.0.1:5000 serving 127.0.0.1:5000/drover-test/busybox:1.
# Nothing is fetched from outside.
set -euo pipefail
STATE=${DROVER_TEST_STATE:-/tmp/drover-test-env}
REGISTRY=${DROVER_TEST_REGISTRY:-127.0.0.1:5000}
IMAGE=drover-test/busybox:1
mkdir -p "$STATE"

docker_ok() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
if ! docker_ok; then
  echo "starting dockerd (log: $STATE/dockerd.log)"
  setsid nohup dockerd >"$STATE/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do docker_ok && break; sleep 0.5; done
  docker_ok || { echo "dockerd did not come up; see $STATE/dockerd.log" >&2; tail -20 "$STATE/dockerd.log" >&2; exit 1; }
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
echo "test environment ready: docker $(docker version --format '{{.Server.Version}}'), image $IMAGE, registry $REGISTRY"
