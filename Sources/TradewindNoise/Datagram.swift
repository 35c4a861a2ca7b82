import TradewindCrypto
import TradewindWire

/// The datagrams of Tradewind's transport (docs/PROTOCOL.md §4). Every datagram
/// starts with a type byte and three zero bytes; integers are big-endian.
public enum Datagram {
    public static let protocolName = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b"

    public enum Kind: UInt8, Sendable {
        case initiation = 1
        case response = 2
        case data = 4
    }

    public static let macLength = 16
    /// Noise message 1 of IKpsk2 with a 44-byte payload: e (32) ‖ s (32 + 16) ‖ payload (44 + 16).
    public static let initiationNoiseLength = 32 + 48 + 44 + 16
    /// Noise message 2 with an empty payload: e (32) ‖ empty payload (16).
    public static let responseNoiseLength = 32 + 16
    public static let initiationLength = 4 + 4 + initiationNoiseLength + macLength // 164
    public static let responseLength = 4 + 4 + 4 + responseNoiseLength + macLength // 76
    public static let dataHeaderLength = 4 + 4 + 8 // 16
    public static let tagLength = 16

    /// Bytes a data datagram adds around one whole message: header, inner kind byte, tag.
    public static let messageOverhead = dataHeaderLength + 1 + tagLength // 33
    /// Bytes a data datagram adds around one fragment: as above plus the fragment header.
    public static let fragmentOverhead = messageOverhead + 8 // 41

    /// The inner kind byte of a data datagram's plaintext.
    public enum Inner: UInt8, Sendable {
        case keepalive = 0
        case message = 1
        case fragment = 2
    }

    static func header(_ kind: Kind) -> [UInt8] { [kind.rawValue, 0, 0, 0] }

    static func uint32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
    static func uint64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func readUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes[offset..<(offset + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The key for mac1 of datagrams sent to the holder of `receiverStatic`:
    /// BLAKE2b-256("mac1" ‖ network key ‖ receiver's static X25519 public key).
    public static func mac1Key(networkKey: SecureBytes, receiverStatic: X25519.PublicKey) -> SecureBytes {
        var input = Array("mac1".utf8)
        networkKey.withUnsafeBytes { input += $0 }
        input += receiverStatic.bytes32.bytes
        defer { for index in input.indices { input[index] = 0 } }
        return SecureBytes(copying: Blake2b.hash256(input))
    }

    /// mac1 = BLAKE2b-128 keyed with `key` over every byte before the mac.
    public static func mac1(key: SecureBytes, over bytes: ArraySlice<UInt8>) -> [UInt8] {
        (try? Blake2b.hash(bytes, outputLength: macLength, key: key)) ?? []
    }

    static func hasValidMac1(_ datagram: [UInt8], key: SecureBytes) -> Bool {
        let body = datagram[..<(datagram.count - macLength)]
        let expected = mac1(key: key, over: body)
        let actual = datagram[(datagram.count - macLength)...]
        // Constant-time comparison.
        var difference: UInt8 = 0
        for (a, b) in zip(expected, actual) { difference |= a ^ b }
        return expected.count == macLength && difference == 0
    }
}
