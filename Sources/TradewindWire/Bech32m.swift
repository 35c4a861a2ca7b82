/// Bech32m (BIP-350): a human-readable prefix, the separator "1", data in base-32
/// and a six-character checksum that detects any error in up to four characters.
public enum Bech32m {
    public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
        case tooLong(length: Int)
        case mixedCase
        case invalidCharacter(Character, position: Int)
        case missingSeparator
        case invalidPrefix(String)
        case badChecksum
        case invalidPadding

        public var description: String {
            switch self {
            case let .tooLong(length): return "too long (\(length) characters, at most 90)"
            case .mixedCase: return "mixes upper and lower case"
            case let .invalidCharacter(character, position):
                return "invalid character '\(character)' at position \(position)"
            case .missingSeparator: return "no '1' separator after the prefix"
            case let .invalidPrefix(prefix): return "invalid prefix '\(prefix)'"
            case .badChecksum: return "checksum does not match (a typo?)"
            case .invalidPadding: return "invalid padding in the data part"
            }
        }
    }

    private static let charset: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let checksumConstant: UInt32 = 0x2bc8_30a3
    private static let reverseCharset: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (index, character) in charset.enumerated() { table[Int(character)] = Int8(index) }
        return table
    }()

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> bit) & 1 == 1 {
                checksum ^= generator[bit]
            }
        }
        return checksum
    }

    private static func expand(prefix: [UInt8]) -> [UInt8] {
        prefix.map { $0 >> 5 } + [0] + prefix.map { $0 & 31 }
    }

    /// Regroups bits; when decoding (`pad == false`) leftover bits must be zero padding.
    private static func convertBits(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0
        var bits = 0
        var result: [UInt8] = []
        let maxValue = (1 << to) - 1
        for value in data {
            accumulator = (accumulator << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                result.append(UInt8((accumulator >> bits) & maxValue))
            }
        }
        if pad {
            if bits > 0 { result.append(UInt8((accumulator << (to - bits)) & maxValue)) }
        } else if bits >= from || (accumulator << (to - bits)) & maxValue != 0 {
            return nil
        }
        return result
    }

    /// Encodes `data` under a lower-case ASCII `prefix`.
    public static func encode(prefix: String, data: [UInt8]) -> String {
        let prefixBytes = Array(prefix.utf8)
        let values = convertBits(data, from: 8, to: 5, pad: true) ?? []
        let polymodValue = polymod(expand(prefix: prefixBytes) + values + [0, 0, 0, 0, 0, 0]) ^ checksumConstant
        let checksum = (0..<6).map { UInt8((polymodValue >> (5 * (5 - UInt32($0)))) & 31) }
        let characters = prefixBytes + [UInt8(ascii: "1")] + (values + checksum).map { charset[Int($0)] }
        return String(decoding: characters, as: UTF8.self)
    }

    /// Decodes a Bech32m string; the prefix comes back in lower case.
    public static func decode(_ string: String) throws(DecodingError) -> (prefix: String, data: [UInt8]) {
        let utf8 = Array(string.utf8)
        guard utf8.count <= 90 else { throw .tooLong(length: utf8.count) }
        var hasLower = false
        var hasUpper = false
        for (position, character) in utf8.enumerated() {
            guard character >= 33 && character <= 126 else {
                throw .invalidCharacter(Character(Unicode.Scalar(character)), position: position)
            }
            if character >= UInt8(ascii: "a") && character <= UInt8(ascii: "z") { hasLower = true }
            if character >= UInt8(ascii: "A") && character <= UInt8(ascii: "Z") { hasUpper = true }
        }
        if hasLower && hasUpper { throw .mixedCase }
        let lower = utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")), separator >= 1,
              separator + 7 <= lower.count else { throw .missingSeparator }
        let prefix = Array(lower[..<separator])
        var values: [UInt8] = []
        for position in (separator + 1)..<lower.count {
            let character = lower[position]
            let value = character < 128 ? reverseCharset[Int(character)] : -1
            guard value >= 0 else {
                throw .invalidCharacter(Character(Unicode.Scalar(utf8[position])), position: position)
            }
            values.append(UInt8(value))
        }
        guard polymod(expand(prefix: prefix) + values) == checksumConstant else { throw .badChecksum }
        guard let data = convertBits(Array(values.dropLast(6)), from: 5, to: 8, pad: false) else {
            throw .invalidPadding
        }
        return (String(decoding: prefix, as: UTF8.self), data)
    }
}
