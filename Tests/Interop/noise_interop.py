#!/usr/bin/env python3
"""Interoperability test: a Tradewind transport endpoint and an independent Noise
library (the PyPI package `noiseprotocol`), written only from docs/PROTOCOL.md §4.

    noise_interop.py PROBE_BINARY

Starts `PROBE_BINARY transport-echo ...`, completes a Noise_IKpsk2 handshake with it,
sends messages (one of them fragmented) and checks every echo. Exits 0 on success.
"""
import hashlib
import os
import socket
import struct
import subprocess
import sys
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
from noise.connection import NoiseConnection, Keypair

P = 2**255 - 19


def ed25519_public_to_x25519(public: bytes) -> bytes:
    """Montgomery u = (1 + y) / (1 - y) mod p, from the Edwards y coordinate."""
    y = int.from_bytes(public, "little") & ((1 << 255) - 1)
    u = (1 + y) * pow(1 - y, P - 2, P) % P
    return u.to_bytes(32, "little")


def ed25519_seed_to_x25519(seed: bytes) -> bytes:
    """The X25519 secret: the first half of SHA-512(seed) (X25519 clamps it)."""
    return hashlib.sha512(seed).digest()[:32]


def blake2b(data: bytes, size: int, key: bytes = b"") -> bytes:
    return hashlib.blake2b(data, digest_size=size, key=key).digest()


def tai64n(now: float) -> bytes:
    seconds = int(now)
    return struct.pack(">QI", (1 << 62) + seconds, int((now - seconds) * 1e9))


def main() -> int:
    probe = sys.argv[1]
    network_key = os.urandom(32)
    network_id = os.urandom(32)
    server_seed = os.urandom(32)
    server = subprocess.Popen(
        [probe, "transport-echo", network_key.hex(), network_id.hex(), server_seed.hex()],
        stdout=subprocess.PIPE, text=True)
    try:
        words = server.stdout.readline().split()
        assert words[0] == "listening", words
        port, server_ed = int(words[1]), bytes.fromhex(words[2])
        server_x = ed25519_public_to_x25519(server_ed)

        # Our identity: an Ed25519 key; its X25519 form is our Noise static key.
        own_seed = os.urandom(32)
        own_ed = Ed25519PrivateKey.from_private_bytes(own_seed).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        own_x_secret = ed25519_seed_to_x25519(own_seed)

        noise = NoiseConnection.from_name(b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b")
        noise.set_as_initiator()
        noise.set_prologue(network_id)
        noise.set_psks(network_key)
        noise.set_keypair_from_private_bytes(Keypair.STATIC, own_x_secret)
        noise.set_keypair_from_public_bytes(Keypair.REMOTE_STATIC, server_x)
        noise.start_handshake()

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(5)
        address = ("127.0.0.1", port)

        # Message 1: type 1, three zero bytes, our index, Noise message, mac1.
        own_index = int.from_bytes(os.urandom(4), "big") or 1
        message1 = noise.write_message(tai64n(time.time()) + own_ed)
        datagram = bytes([1, 0, 0, 0]) + struct.pack(">I", own_index) + bytes(message1)
        mac1_key = blake2b(b"mac1" + network_key + server_x, 32)
        sock.sendto(datagram + blake2b(datagram, 16, mac1_key), address)

        # Message 2: type 2, three zero bytes, their index, our index, Noise message, mac1.
        response, _ = sock.recvfrom(2048)
        assert response[0] == 2 and response[1:4] == b"\0\0\0", response[:4]
        server_index, receiver_index = struct.unpack(">II", response[4:12])
        assert receiver_index == own_index
        own_x_public = ed25519_public_to_x25519(own_ed)
        own_mac1_key = blake2b(b"mac1" + network_key + own_x_public, 32)
        assert blake2b(response[:-16], 16, own_mac1_key) == response[-16:], "bad mac1 on message 2"
        noise.read_message(response[12:-16])
        assert noise.handshake_finished
        send_cipher = noise.noise_protocol.cipher_state_encrypt
        receive_cipher = noise.noise_protocol.cipher_state_decrypt

        counter = 0

        def send_plaintext(plaintext: bytes) -> None:
            nonlocal counter
            header = bytes([4, 0, 0, 0]) + struct.pack(">IQ", server_index, counter)
            send_cipher.set_nonce(counter)
            sock.sendto(header + send_cipher.encrypt_with_ad(header, plaintext), address)
            counter += 1

        def send_message(message: bytes, message_id: int) -> None:
            if len(message) <= 1200 - 33:
                send_plaintext(b"\x01" + message)
                return
            capacity = 1200 - 41
            count = (len(message) + capacity - 1) // capacity
            for index in range(count):
                piece = message[index * capacity:(index + 1) * capacity]
                send_plaintext(b"\x02" + struct.pack(">IHH", message_id, index, count) + piece)

        fragments = {}

        def receive_message() -> bytes:
            while True:
                datagram, _ = sock.recvfrom(2048)
                assert datagram[0] == 4, datagram[:4]
                index, remote_counter = struct.unpack(">IQ", datagram[4:16])
                assert index == own_index
                receive_cipher.set_nonce(remote_counter)
                plaintext = receive_cipher.decrypt_with_ad(datagram[:16], datagram[16:])
                kind = plaintext[0]
                if kind == 0:
                    continue  # keepalive
                if kind == 1:
                    return bytes(plaintext[1:])
                message_id, part, count = struct.unpack(">IHH", plaintext[1:9])
                parts = fragments.setdefault(message_id, {})
                parts[part] = bytes(plaintext[9:])
                if len(parts) == count:
                    del fragments[message_id]
                    return b"".join(parts[i] for i in range(count))

        messages = [os.urandom(size) for size in (0, 1, 64, 500, 1000, 1167, 3000, 20000)]
        for message_id, message in enumerate(messages):
            send_message(message, message_id)
            echoed = receive_message()
            assert echoed == b"echo:" + message, f"echo of {len(message)} bytes differs"
        print(f"interop: handshake with {len(messages)} messages each way "
              f"(0 to {max(map(len, messages))} bytes, fragmented both ways) OK")
        return 0
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
