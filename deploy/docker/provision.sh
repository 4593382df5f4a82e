#!/bin/sh
# The docker-compose provisioning step (runs as root, once, before the services start).
#
# 1. `node scripts/provision.js` generates the home into $COUNTERSIGN_HOME (keys, trust store,
#    registry, NATS users), writes the NATS users include to $COUNTERSIGN_NATS_AUTH_FILE (the NATS
#    nodes wait for it), and creates the JetStream streams and consumers with
#    $COUNTERSIGN_JETSTREAM_REPLICAS replicas once the cluster answers, and pins the policy bundle
#    of $COUNTERSIGN_POLICY_FILE (policy.pin.json); then
#    deploy/kurrentdb/provision-acls.ts creates the services' KurrentDB users and their access:
#    ACLs, or stream policies with a licence ($KURRENTDB_ADMIN_URL, $KURRENTDB_<SERVICE>_PASSWORD,
#    $COUNTERSIGN_KURRENTDB_ACCESS).
# 2. This script then gives each service a home of its own under $COUNTERSIGN_BUNDLES_DIR: the
#    public trust store and registry, plus that service's signing key and NATS password and nothing
#    else, so no container but this one ever holds another identity's private key.
set -eu

: "${COUNTERSIGN_HOME:?}" "${COUNTERSIGN_BUNDLES_DIR:?}" "${COUNTERSIGN_NATS_AUTH_FILE:?}"
# The uid of the `node` user the services run as (deploy/docker/Dockerfile).
SERVICE_UID=1000

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
}

for service in intake approval broker executor audit; do
  bundle="$COUNTERSIGN_BUNDLES_DIR/$service"
  bundle_public "$bundle"
  # The policy pin: the broker and the executor re-check approvals only against this bundle version.
  cp "$COUNTERSIGN_HOME/policy.pin.json" "$bundle/"
  mkdir -p "$bundle/identities" "$bundle/nats/users"
  cp "$COUNTERSIGN_HOME/identities/service-$service.json" "$bundle/identities/"
  cp "$COUNTERSIGN_HOME/nats/users/$service.json" "$bundle/nats/users/"
  chown -R "$SERVICE_UID:$SERVICE_UID" "$bundle"
  chmod 0700 "$bundle/identities" "$bundle/nats" "$bundle/nats/users"
  chmod 0600 "$bundle/identities/service-$service.json" "$bundle/nats/users/$service.json"
  echo "provision.sh: home for $service ready"
done

# The Slack edge: its own channel key and NATS password, nothing else.
channel_bundle="$COUNTERSIGN_BUNDLES_DIR/channel-slack"
bundle_public "$channel_bundle"
mkdir -p "$channel_bundle/identities" "$channel_bundle/nats/users"
cp "$COUNTERSIGN_HOME/identities/channel-slack.json" "$channel_bundle/identities/"
cp "$COUNTERSIGN_HOME/nats/users/channel-slack.json" "$channel_bundle/nats/users/"
chown -R "$SERVICE_UID:$SERVICE_UID" "$channel_bundle"
chmod 0700 "$channel_bundle/identities" "$channel_bundle/nats" "$channel_bundle/nats/users"
chmod 0600 "$channel_bundle/identities/channel-slack.json" "$channel_bundle/nats/users/channel-slack.json"
echo "provision.sh: home for the Slack edge ready"

# The demo target verifies tokens with public keys and follows revocations over NATS: public files
# plus its own NATS password, no private key.
target_bundle="$COUNTERSIGN_BUNDLES_DIR/demo-target"
bundle_public "$target_bundle"
mkdir -p "$target_bundle/nats/users"
cp "$COUNTERSIGN_HOME/nats/users/target-demo-target.json" "$target_bundle/nats/users/"
chown -R "$SERVICE_UID:$SERVICE_UID" "$target_bundle"
chmod 0700 "$target_bundle/nats" "$target_bundle/nats/users"
chmod 0600 "$target_bundle/nats/users/target-demo-target.json"

# The SIEM forwarder reads CS_AUDIT as siem:splunk: public files plus its own NATS password, no key.
siem_bundle="$COUNTERSIGN_BUNDLES_DIR/siem-splunk"
bundle_public "$siem_bundle"
mkdir -p "$siem_bundle/nats/users"
cp "$COUNTERSIGN_HOME/nats/users/siem-splunk.json" "$siem_bundle/nats/users/"
chown -R "$SERVICE_UID:$SERVICE_UID" "$siem_bundle"
chmod 0700 "$siem_bundle/nats" "$siem_bundle/nats/users"
chmod 0600 "$siem_bundle/nats/users/siem-splunk.json"
echo "provision.sh: done"
