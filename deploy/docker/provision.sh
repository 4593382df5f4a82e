#!/bin/sh
# The docker-compose provisioning step (runs as root, once the identities have enrolled).
#
# 1. Collects the enrollments (public keys only): each service's, which it wrote into its own
#    enrollment volume on first start (mounted read-only under $COUNTERSIGN_ENROLLMENT_SOURCES),
#    and the people's from deploy/enrollments. Waits for every id in $COUNTERSIGN_AWAIT_ENROLLMENTS.
# 2. `node scripts/provision.js` builds the trust store, registry and NATS users (public NKEYs) from
#    them into $COUNTERSIGN_HOME, refusing any enrollment that holds private material; writes the NATS
#    users include to $COUNTERSIGN_NATS_AUTH_FILE (the NATS nodes wait for it); creates the JetStream
#    streams and consumers with $COUNTERSIGN_JETSTREAM_REPLICAS replicas once the cluster answers
#    (over TLS, as the provisioner's own NKEY in $COUNTERSIGN_PROVISIONER_KEY_FILE); and pins the
#    policy bundle of $COUNTERSIGN_POLICY_FILE (policy.pin.json); then
#    deploy/kurrentdb/provision-acls.ts creates the services' KurrentDB users and their access:
#    ACLs, or stream policies with a licence ($KURRENTDB_ADMIN_URL, $KURRENTDB_<SERVICE>_PASSWORD,
#    $COUNTERSIGN_KURRENTDB_ACCESS).
# 3. Gives each service a home of its own under $COUNTERSIGN_BUNDLES_DIR: the public trust store and
#    registry (and the policy pin). No private key or seed passes through this container but its own.
set -eu

: "${COUNTERSIGN_HOME:?}" "${COUNTERSIGN_BUNDLES_DIR:?}" "${COUNTERSIGN_NATS_AUTH_FILE:?}"
: "${COUNTERSIGN_ENROLLMENT_SOURCES:?}" "${COUNTERSIGN_ENROLLMENTS_DIR:?}"
# The uid of the `node` user the services run as (deploy/docker/Dockerfile).
SERVICE_UID=1000

for id in $(echo "${COUNTERSIGN_AWAIT_ENROLLMENTS:-}" | tr ',' ' '); do
  file="$(echo "$id" | tr ':' '-').json"
  until ls "$COUNTERSIGN_ENROLLMENT_SOURCES"/*/"$file" >/dev/null 2>&1; do
    echo "provision.sh: waiting for the enrollment of $id (it makes its key on first start)"
    sleep 2
  done
done
rm -rf "$COUNTERSIGN_ENROLLMENTS_DIR"
mkdir -p "$COUNTERSIGN_ENROLLMENTS_DIR"
for file in "$COUNTERSIGN_ENROLLMENT_SOURCES"/*/*.json; do
  [ -f "$file" ] && cp "$file" "$COUNTERSIGN_ENROLLMENTS_DIR/"
done

node scripts/provision.js
# One KurrentDB user per service, each confined to its own streams; exits non-zero unless every
# access probe (as each service user) comes out as planned before the probe deadline.
if [ -n "${KURRENTDB_ADMIN_URL:-}" ]; then
  node scripts/run-ts.js deploy/kurrentdb/provision-acls.ts
fi

if [ ! -s "$COUNTERSIGN_NATS_AUTH_FILE" ]; then
  echo "provision.sh: $COUNTERSIGN_NATS_AUTH_FILE was not written; the NATS nodes cannot start" >&2
  exit 1
fi
chmod 0644 "$COUNTERSIGN_NATS_AUTH_FILE"

bundle_public() {
  mkdir -p "$1"
  cp "$COUNTERSIGN_HOME/trust.json" "$COUNTERSIGN_HOME/registry.json" "$1/"
  chown -R "$SERVICE_UID:$SERVICE_UID" "$1"
}

for service in intake approval broker executor audit; do
  bundle="$COUNTERSIGN_BUNDLES_DIR/$service"
  bundle_public "$bundle"
  # The policy pin: the broker and the executor re-check approvals only against this bundle version.
  cp "$COUNTERSIGN_HOME/policy.pin.json" "$bundle/"
  chown "$SERVICE_UID:$SERVICE_UID" "$bundle/policy.pin.json"
  echo "provision.sh: home for $service ready"
done
bundle_public "$COUNTERSIGN_BUNDLES_DIR/channel-slack"
bundle_public "$COUNTERSIGN_BUNDLES_DIR/demo-target"
bundle_public "$COUNTERSIGN_BUNDLES_DIR/siem-splunk"
echo "provision.sh: done"
