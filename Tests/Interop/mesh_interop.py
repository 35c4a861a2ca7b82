#!/usr/bin/env python3
"""Interoperability with a live mesh, written only from docs/PROTOCOL.md (§1–§7).

    mesh_interop.py TRADEWIND_BINARY

Makes a testnet of 4 authorities and starts their peers on loopback. Then, as a
new participant with its own identity, over encrypted UDP and documented messages
only (Python's `noiseprotocol` and `cryptography`, no Tradewind code):
  1. completes the Noise handshake with authority-1 (§4) and joins (§6.1: sync);
  2. submits a signed transfer as a gossip push on topic 0 (§5.1, §6);
  3. sees it committed through authority-1's local API;
  4. asks for its block over UDP (§7, block request) and verifies the block and
     its commit certificate against the genesis authorities (§5.3, §7.1, §7.2);
  5. as a configured member from an address other than its configured one, asks
     again and is answered at the new address (roaming, §6.1);
  6. gossips a made-up member at an IPv6 endpoint and sees authority-1 keep
     committing and answering.
Exits 0 on success.
"""
import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives import serialization
from cryptography.exceptions import InvalidSignature
from noise.connection import NoiseConnection, Keypair

from noise_interop import blake2b, ed25519_public_to_x25519, ed25519_seed_to_x25519, tai64n

# --- §1 the canonical encoding ---------------------------------------------------

# The first byte of every gossip message (§6): 2 since release 0.3.1 (compact blocks).
GOSSIP_VERSION = 2


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def length_prefixed(data: bytes) -> bytes:
    return varint(len(data)) + data


class Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def fixed(self, count: int) -> bytes:
        assert self.at + count <= len(self.data), "truncated"
        out = self.data[self.at:self.at + count]
        self.at += count
        return out

    def u8(self) -> int:
        return self.fixed(1)[0]

    def u16(self) -> int:
        return struct.unpack(">H", self.fixed(2))[0]

    def u64(self) -> int:
        return struct.unpack(">Q", self.fixed(8))[0]

    def varint(self) -> int:
        value, shift = 0, 0
        while True:
            byte = self.u8()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7

    def bytes(self) -> bytes:
        return self.fixed(self.varint())

    def optional(self, read):
        return read() if self.u8() == 1 else None

    def array(self, read) -> list:
        return [read() for _ in range(self.varint())]

    def end(self) -> None:
        assert self.at == len(self.data), f"{len(self.data) - self.at} trailing bytes"


# --- §2 addresses: Bech32m with prefix tw -----------------------------------------

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32m_decode(text: str) -> bytes:
    hrp, data = text.lower().rsplit("1", 1)
    values = [CHARSET.index(c) for c in data]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    checksum = 1
    for value in expanded + values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate((0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)):
            if (top >> i) & 1:
                checksum ^= generator
    assert hrp == "tw" and checksum == 0x2BC830A3, f"bad address {text}"
    bits, accumulator, out = 0, 0, bytearray()
    for value in values[:-6]:
        accumulator = (accumulator << 5) | value
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((accumulator >> bits) & 0xFF)
    assert len(out) == 32, f"address {text} is not 32 bytes"
    return bytes(out)


# --- §3 signatures ----------------------------------------------------------------


def digest(tag: bytes, network_id: bytes, body: bytes) -> bytes:
    return blake2b(bytes([len(tag)]) + tag + network_id + body, 32)


# --- §4 the transport -------------------------------------------------------------


class Session:
    """A Noise_IKpsk2 session with one peer, and its data framing (§4.4)."""

    def __init__(self, sock, address, network_key, network_id, own_seed, own_ed, peer_ed):
        self.sock, self.address = sock, address
        peer_x = ed25519_public_to_x25519(peer_ed)
        noise = NoiseConnection.from_name(b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b")
        noise.set_as_initiator()
        noise.set_prologue(network_id)
        noise.set_psks(network_key)
        noise.set_keypair_from_private_bytes(Keypair.STATIC, ed25519_seed_to_x25519(own_seed))
        noise.set_keypair_from_public_bytes(Keypair.REMOTE_STATIC, peer_x)
        noise.start_handshake()
        self.own_index = int.from_bytes(os.urandom(4), "big") or 1
        message1 = noise.write_message(tai64n(time.time()) + own_ed)
        datagram = bytes([1, 0, 0, 0]) + struct.pack(">I", self.own_index) + bytes(message1)
        sock.sendto(datagram + blake2b(datagram, 16, blake2b(b"mac1" + network_key + peer_x, 32)), address)
        while True:
            response, source = sock.recvfrom(2048)
            if response[0] == 2:
                break
        self.peer_index, receiver = struct.unpack(">II", response[4:12])
        assert receiver == self.own_index
        noise.read_message(response[12:-16])
        assert noise.handshake_finished
        self.send_cipher = noise.noise_protocol.cipher_state_encrypt
        self.receive_cipher = noise.noise_protocol.cipher_state_decrypt
        self.counter = 0
        self.fragments = {}
        self.message_id = 0

    def send(self, message: bytes) -> None:
        def plaintext(data: bytes) -> None:
            header = bytes([4, 0, 0, 0]) + struct.pack(">IQ", self.peer_index, self.counter)
            self.send_cipher.set_nonce(self.counter)
            self.sock.sendto(header + self.send_cipher.encrypt_with_ad(header, data), self.address)
            self.counter += 1

        if len(message) <= 1200 - 33:
            plaintext(b"\x01" + message)
            return
        self.message_id += 1
        capacity = 1200 - 41
        count = (len(message) + capacity - 1) // capacity
        for index in range(count):
            piece = message[index * capacity:(index + 1) * capacity]
            plaintext(b"\x02" + struct.pack(">IHH", self.message_id, index, count) + piece)

    def receive(self, deadline: float):
        """The next whole message, or None at the deadline."""
        while time.time() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.time()))
            try:
                datagram, _ = self.sock.recvfrom(2048)
            except socket.timeout:
                return None
            if datagram[0] != 4:
                continue
            index, counter = struct.unpack(">IQ", datagram[4:16])
            if index != self.own_index:
                continue
            self.receive_cipher.set_nonce(counter)
            plaintext = bytes(self.receive_cipher.decrypt_with_ad(datagram[:16], datagram[16:]))
            if plaintext[0] == 1:
                return plaintext[1:]
            if plaintext[0] == 2:
                message_id, part, count = struct.unpack(">IHH", plaintext[1:9])
                parts = self.fragments.setdefault(message_id, {})
                parts[part] = plaintext[9:]
                if len(parts) == count:
                    del self.fragments[message_id]
                    return b"".join(parts[i] for i in range(count))
        return None


# --- §5 ledger records and §7 agreement ------------------------------------------


def transfer(seed: bytes, network_id: bytes, sequence: int, last_valid: int, to: bytes, asset: str, amount: int,
             memo: bytes) -> bytes:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    sender = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    body = (bytes([1]) + sender + varint(sequence) + varint(last_valid) + varint(0) + to
            + length_prefixed(asset.encode()) + varint(amount) + length_prefixed(memo))
    return body + key.sign(digest(b"tradewind/transaction/v1", network_id, body))


def read_transaction(reader: Reader) -> bytes:
    """One transaction's bytes (this test's blocks hold transfers only)."""
    start = reader.at
    assert reader.u8() == 1, "transaction version"
    reader.fixed(32)
    reader.varint()
    reader.varint()
    kind = reader.varint()
    assert kind == 0, f"a block of this test holds transfers only, not kind {kind}"
    reader.fixed(32)
    reader.bytes()
    reader.varint()
    reader.bytes()
    reader.fixed(64)
    return reader.data[start:reader.at]


def read_header(reader: Reader) -> dict:
    start = reader.at
    assert reader.u8() == 1, "header version"
    header = {"network": reader.fixed(32), "height": reader.varint(), "time": reader.u64(),
              "parent": reader.fixed(32), "transactions_root": reader.fixed(32), "state_root": reader.fixed(32),
              "authority_set_hash": reader.fixed(32)}
    header["next_authorities"] = reader.optional(lambda: reader.array(lambda: reader.fixed(32)))
    header["proposer"] = reader.fixed(32)
    header["evidence_root"] = reader.fixed(32)
    header["last_commit_hash"] = reader.fixed(32)
    header["bytes"] = reader.data[start:reader.at]
    return header


def verify_committed_block(payload: bytes, network_id: bytes, authorities: list, height: int, transaction_id: bytes):
    reader = Reader(payload)
    assert reader.u8() == 7, "not a committed block (consensus tag 7)"
    header = read_header(reader)
    transactions = reader.array(lambda: read_transaction(reader))
    reader.array(reader.bytes)  # evidence
    assert reader.u8() == 1, "certificate version"
    cert_height, cert_round, cert_block = reader.varint(), reader.varint(), reader.fixed(32)
    signatures = reader.array(lambda: (reader.fixed(32), reader.fixed(64)))
    reader.end()

    block_id = blake2b(header["bytes"], 32)
    ids = [blake2b(t, 32) for t in transactions]
    assert header["network"] == network_id and header["height"] == height
    assert blake2b(varint(len(ids)) + b"".join(ids), 32) == header["transactions_root"], "transactions root"
    assert transaction_id in ids, "the block does not hold the transfer"
    assert (cert_height, cert_block) == (height, block_id), "the certificate names another block"
    validators = [s[0] for s in signatures]
    assert validators == sorted(set(validators)), "signers not strictly sorted"
    quorum = 2 * len(authorities) // 3 + 1
    good = 0
    for validator, signature in signatures:
        assert validator in authorities, "a signer is not an authority"
        vote = (bytes([1, 2]) + varint(height) + varint(cert_round) + bytes([1]) + block_id + validator)
        try:
            Ed25519PublicKey.from_public_bytes(validator).verify(signature, digest(b"tradewind/vote/v1", network_id, vote))
            good += 1
        except InvalidSignature:
            raise AssertionError("a certificate signature does not verify")
    assert good >= quorum, f"{good} signatures, quorum {quorum}"
    return block_id, good


# --- the test ---------------------------------------------------------------------


def public_key(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def member_update(member: bytes, ip: bytes, port: int) -> bytes:
    """§6: incarnation 0, alive, the endpoint, participant, height 0, no reporter."""
    return member + varint(0) + bytes([0]) + length_prefixed(ip) + struct.pack(">H", port) + bytes([0]) + varint(0) \
        + bytes([0])


def answer_ping(session: Session, reader: Reader) -> None:
    """An ack (kind 1) with the ping's sequence, so the member is not suspected."""
    session.send(bytes([GOSSIP_VERSION]) + varint(1) + varint(reader.varint()) + varint(0))


def request_block(session: Session, height: int, seconds: float = 10):
    """A block request (consensus tag 6) as a direct message (kind 30); the committed
    block (consensus tag 7) that comes back, or None."""
    session.send(bytes([GOSSIP_VERSION]) + varint(30) + length_prefixed(bytes([6]) + varint(height)))
    deadline = time.time() + seconds
    while time.time() < deadline:
        message = session.receive(deadline)
        if message is None:
            return None
        reader = Reader(message)
        if reader.u8() != GOSSIP_VERSION:
            continue
        kind = reader.varint()
        if kind == 30:
            payload = reader.bytes()
            if payload[:1] == bytes([7]):
                return payload
        elif kind == 0:
            answer_ping(session, reader)
    return None


def api_get(port: int, path: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5) as response:
        return json.load(response)


def free_port_base() -> int:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return 20000 + port % 20000


def main() -> int:
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="tradewind-mesh-interop.")
    base = free_port_base()
    subprocess.run([binary, "testnet", "--authorities", "4", "--participants", "1", "--out", f"{work}/net",
                    "--base-port", str(base)], check=True, stdout=subprocess.DEVNULL)
    peers = []
    try:
        for n in range(1, 5):
            log = open(f"{work}/authority-{n}.log", "w")
            peers.append(subprocess.Popen([binary, "peer", "--home", f"{work}/net/authority-{n}"], stdout=log,
                                          stderr=subprocess.STDOUT))
        home = f"{work}/net/authority-1"
        config = json.load(open(f"{home}/config.json"))
        genesis = json.load(open(f"{work}/net/genesis.json"))
        authorities = sorted(bech32m_decode(a) for a in genesis["authorities"])
        network_key = bytes.fromhex(open(f"{home}/network.key").read().strip())
        api_port = config["api"]["port"]
        deadline = time.time() + 60
        status = None
        while time.time() < deadline:
            try:
                status = api_get(api_port, "status")
                if status["height"] >= 1:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        assert status and status["height"] >= 1, "authority-1 did not commit a block within 60 s"
        network_id = bytes.fromhex(status["network"])
        # authority-1's identity, as the other peers' configurations name it.
        other = json.load(open(f"{work}/net/authority-2/config.json"))
        authority_1 = bech32m_decode(next(p["address"] for p in other["peers"] if p["name"] == "authority-1"))

        # A new participant: its own identity, its own socket.
        own_seed = os.urandom(32)
        own_ed = public_key(own_seed)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        own_port = sock.getsockname()[1]
        session = Session(sock, ("127.0.0.1", config["listen"]["port"]), network_key, network_id, own_seed, own_ed,
                          authority_1)

        # 1. Join (§6.1): a sync holding our own update.
        update = member_update(own_ed, bytes([127, 0, 0, 1]), own_port)
        session.send(bytes([GOSSIP_VERSION]) + varint(5) + varint(1) + update + bytes([0]))
        joined = False
        deadline = time.time() + 10
        while time.time() < deadline and not joined:
            message = session.receive(deadline)
            if message is None:
                break
            reader = Reader(message)
            if reader.u8() != GOSSIP_VERSION:
                continue
            kind = reader.varint()
            if kind == 5:
                count = reader.varint()
                joined = count >= 4  # the sync reply: authority-1's members (and us)
            elif kind == 0:
                answer_ping(session, reader)
        assert joined, "no sync reply to the join"

        # 2. Submit a transfer from participant-1's testnet wallet as a push on topic 0.
        wallet = json.load(open(f"{work}/net/wallets/participant-1.key"))
        transaction = transfer(bytes.fromhex(wallet["seed"]), network_id, sequence=0,
                               last_valid=status["height"] + 1000, to=authority_1, asset="USD", amount=125,
                               memo=b"from python")
        transaction_id = blake2b(transaction, 32)
        session.send(bytes([GOSSIP_VERSION]) + varint(10) + bytes([0]) + length_prefixed(transaction))

        # 3. Committed, as authority-1's API reports it (answering pings meanwhile).
        committed = None
        deadline = time.time() + 30
        while time.time() < deadline and committed is None:
            message = session.receive(time.time() + 0.3)
            if message:
                reader = Reader(message)
                if reader.u8() == GOSSIP_VERSION and reader.varint() == 0:
                    answer_ping(session, reader)
            try:
                view = api_get(api_port, f"transactions/{transaction_id.hex()}")
                if view.get("status") == "committed":
                    committed = view
            except OSError:
                pass
        assert committed, f"transfer {transaction_id.hex()} not committed within 30 s"
        height = committed["receipt"]["height"]

        # 4. The block over UDP: a block request (consensus tag 6) as a direct message (kind 30).
        block = request_block(session, height)
        assert block, f"no committed block {height} over UDP"
        block_id, signatures = verify_committed_block(block, network_id, authorities, height, transaction_id)
        # The check can fail: one flipped bit of the last certificate signature is refused.
        tampered = bytearray(block)
        tampered[-1] ^= 1
        try:
            verify_committed_block(bytes(tampered), network_id, authorities, height, transaction_id)
            raise SystemExit("a tampered certificate verified")
        except AssertionError:
            pass
        # 5. Roaming: participant-1's identity (a configured member, whose configured
        # endpoint nobody listens on) from a new address is answered where it is.
        node = json.load(open(f"{work}/net/participant-1/keys/node.key"))
        roamer_seed = bytes.fromhex(node["seed"])
        roamer_ed = bech32m_decode(node["address"])
        roamer_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        roamer_sock.bind(("127.0.0.1", 0))
        roamer_sock.settimeout(5)
        roamer = Session(roamer_sock, ("127.0.0.1", config["listen"]["port"]), network_key, network_id, roamer_seed,
                         roamer_ed, authority_1)
        answered = request_block(roamer, height)
        assert answered, "a known member's identity from a new address got no answer"
        verify_committed_block(answered, network_id, authorities, height, transaction_id)

        # 6. Hearsay that cannot be used changes nothing: a gossiped member at an IPv6
        # endpoint (this mesh is IPv4) is not reached for, and authority-1 keeps
        # committing and answering.
        hearsay = member_update(public_key(os.urandom(32)), bytes(15) + bytes([1]), 9)
        roamer.send(bytes([GOSSIP_VERSION]) + varint(4) + varint(1) + hearsay)
        before = api_get(api_port, "status")["height"]
        time.sleep(3)
        after = api_get(api_port, "status")["height"]
        again = request_block(roamer, height)
        assert again, "authority-1 stopped answering after hearing of an IPv6 member"
        assert after > before or api_get(api_port, "status")["height"] > before, "authority-1 stopped committing"

        print(f"mesh interop: joined, submitted {transaction_id.hex()[:16]}… by gossip push, committed at height "
              f"{height}; block {block_id.hex()[:16]}… fetched over UDP, its certificate verified "
              f"({signatures} signatures of {len(authorities)} authorities); a known member's identity from a new "
              f"address answered there; unusable hearsay changed nothing OK")
        return 0
    finally:
        for peer in peers:
            peer.terminate()
        for peer in peers:
            try:
                peer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                peer.kill()
        if os.environ.get("TRADEWIND_KEEP_INTEROP") is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
