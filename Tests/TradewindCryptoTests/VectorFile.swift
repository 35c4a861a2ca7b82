import Foundation
import TradewindWire

/// Loads a Wycheproof JSON file from the test bundle.
struct WycheproofFile: Decodable {
    struct Group: Decodable {
        var publicKey: PublicKey?
        var tests: [Case]
    }

    struct PublicKey: Decodable {
        var pk: String
    }

    struct Case: Decodable {
        var tcId: Int
        var comment: String
        var flags: [String]
        var result: String
        // Ed25519
        var msg: String?
        var sig: String?
        // X25519
        var `public`: String?
        var `private`: String?
        var shared: String?
        // AEAD
        var key: String?
        var iv: String?
        var aad: String?
        var ct: String?
        var tag: String?
    }

    var numberOfTests: Int
    var testGroups: [Group]

    static func load(_ name: String) throws -> WycheproofFile {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors") else {
            throw VectorError.missing(name)
        }
        return try JSONDecoder().decode(WycheproofFile.self, from: Data(contentsOf: url))
    }
}

enum VectorError: Error {
    case missing(String)
    case badHex(Int)
}

func hex(_ string: String?, _ id: Int = 0) throws -> [UInt8] {
    guard let bytes = Hex.decode(string ?? "") else { throw VectorError.badHex(id) }
    return bytes
}
