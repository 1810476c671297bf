#!/bin/sh
# Make the test registry's TLS material in DIR with the openssl command, at test
# time (nothing is committed). Usage: make_certs.sh DIR [KEY_PASSWORD]
#   ca.pem / ca.key               the CA every good certificate chains to
#   server.pem / server.key       server certificate for 127.0.0.1 and localhost (SAN)
#   wrong-host.pem / .key         server certificate, signed by the CA, for wrong.example only
#   other-ca.pem / other-ca.key   a second, unrelated CA (a client trusting it must fail)
#   client.pem / client.key       client certificate signed by the CA (mTLS)
#   client-enc.key                client.key encrypted (AES-256) with KEY_PASSWORD
#   client-key.pass               KEY_PASSWORD (default: test-key-password)
set -eu

dir=${1:?usage: make_certs.sh DIR [KEY_PASSWORD]}
password=${2:-test-key-password}
mkdir -p "$dir"
cd "$dir"

# Short-lived, small, fast to make: EC P-256 keys, one day of validity.
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

make_ca() { # name, subject
    new_key "$1.key"
    openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 1 -subj "$2" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}

make_leaf() { # name, subject, extendedKeyUsage, subjectAltName (or empty)
    new_key "$1.key"
    openssl req -new -key "$1.key" -out "$1.csr" -subj "$2"
    {
        echo "basicConstraints=CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$3"
        if [ -n "$4" ]; then echo "subjectAltName=$4"; fi
    } > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

make_ca ca "/CN=cfavro test CA"
make_ca other-ca "/CN=cfavro unrelated CA"
make_leaf server "/CN=localhost" serverAuth "IP:127.0.0.1,DNS:localhost"
make_leaf wrong-host "/CN=wrong.example" serverAuth "DNS:wrong.example"
make_leaf client "/CN=cfavro test client" clientAuth ""
openssl pkey -in client.key -aes256 -passout "pass:$password" -out client-enc.key
printf '%s' "$password" > client-key.pass
chmod 600 ./*.key client-key.pass
