#!/bin/sh
# TLS for NATS client connections in the docker-compose deployment, generated at run time (never
# committed): a CA and one server certificate for nats-1..3, written to $NATS_CERTS_DIR (server key
# and certificate, mounted read-only by the NATS nodes) and the CA certificate alone to $NATS_CA_DIR
# (mounted by every client: COUNTERSIGN_NATS_CA). The CA key stays in $NATS_CERTS_DIR/ca, root only.
# Idempotent: an existing CA and certificate are kept. Locally: NATS_CERTS_DIR=deploy/nats/certs
# (git-ignored). Production: use your own PKI and mount its files at the same paths.
set -eu
: "${NATS_CERTS_DIR:?}" "${NATS_CA_DIR:?}"
mkdir -p "$NATS_CERTS_DIR/ca" "$NATS_CA_DIR"
cd "$NATS_CERTS_DIR"
if [ ! -f server.crt ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=countersign-nats-ca" -keyout ca/ca.key -out ca/ca.crt
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=countersign-nats" -keyout server.key -out server.csr
  printf 'subjectAltName=DNS:nats-1,DNS:nats-2,DNS:nats-3,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl x509 -req -in server.csr -CA ca/ca.crt -CAkey ca/ca.key -CAcreateserial -days 825 \
    -extfile server.ext -out server.crt
  rm -f server.csr server.ext
fi
chmod 0700 ca; chmod 0600 ca/ca.key server.key; chmod 0644 server.crt
cp ca/ca.crt "$NATS_CA_DIR/ca.crt"; chmod 0644 "$NATS_CA_DIR/ca.crt"
echo "gen-certs: NATS server certificate in $NATS_CERTS_DIR, CA in $NATS_CA_DIR/ca.crt"
