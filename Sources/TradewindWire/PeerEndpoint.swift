/// A peer's UDP address as gossiped: an IPv4 or IPv6 address and a port.
public struct PeerEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 bytes (IPv6), network order.
    public let ip: [UInt8]
    public let port: UInt16

    public init?(ip: [UInt8], port: UInt16) {
        guard ip.count == 4 || ip.count == 16 else { return nil }
        self.ip = ip
        self.port = port
    }

    /// Parses "a.b.c.d:port" (IPv4 only; IPv6 endpoints come from sockets).
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else { return nil }
        let octets = parts[0].split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        self.init(ip: octets, port: port)
    }

    public var host: String {
        if ip.count == 4 { return ip.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(ip[$0]) << 8 | UInt16(ip[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    public var description: String { ip.count == 4 ? "\(host):\(port)" : "[\(host)]:\(port)" }
}

extension PeerEndpoint: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeBytes(ip)
        writer.writeUInt16(port)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let ip = try reader.readBytes(maxCount: 16)
        let port = try reader.readUInt16()
        guard let endpoint = PeerEndpoint(ip: ip, port: port) else {
            throw .invalidValue(type: "PeerEndpoint", reason: "address of \(ip.count) bytes")
        }
        self = endpoint
    }
}
