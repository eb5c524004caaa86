#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Creates a throw-away CA and a server certificate for 127.0.0.1/localhost
# in STATEDIR (ca.pem, ca-key.pem, server.pem, server-key.pem) and the
# signing keys k1.pem, k2.pem, rogue.pem, unless they are already there.
set -eu

dir=${1:?usage: gen-certs.sh STATEDIR}
mkdir -p "$dir"
cd "$dir"
umask 077
# The IdP's signing keys (K1, K2 and a never-published rogue key): made
# here rather than in Node, whose key generation was seen to stall when
# several IdPs start at once.
for k in k1 k2 rogue; do
	[ -s "$k.pem" ] || openssl genpkey -algorithm RSA \
	    -pkeyopt rsa_keygen_bits:2048 -out "$k.pem" 2>/dev/null
done
if [ -s ca.pem ] && [ -s server.pem ] && [ -s server-key.pem ]; then
	exit 0
fi

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
	-subj "/CN=pam_bsure test CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-keyout ca-key.pem -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -sha256 \
	-subj "/CN=127.0.0.1" \
	-keyout server-key.pem -out server.csr 2>/dev/null
cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem \
	-CAcreateserial -days 3650 -sha256 -extfile server.ext \
	-out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 0644 ca.pem server.pem
