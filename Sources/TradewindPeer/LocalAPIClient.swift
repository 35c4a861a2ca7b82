import Foundation

/// A small HTTP/1.1 client for the peer's local API (loopback, one request per
/// connection): enough for the CLI and the benchmarks without an HTTP stack.
public struct LocalAPIClient: Sendable {
    public let host: String
    public let port: Int

    /// From `--api host:port` (or http://host:port), else the address a peer on
    /// `home` wrote to run/api.addr.
    public init(api: String?, home: String?) throws {
        var text: String
        if let api {
            text = api
        } else if let home {
            guard let written = PeerHome(home).apiAddress() else {
                throw CLIError("no running peer found on \(home) (run/api.addr is missing); start one with `tradewind peer --home \(home)`, or give --api")
            }
            text = written
        } else if let env = ProcessInfo.processInfo.environment["TRADEWIND_API"] {
            text = env
        } else {
            throw CLIError("say which peer to ask: --home DIR, --api HOST:PORT or TRADEWIND_API")
        }
        if text.hasPrefix("http://") { text.removeFirst("http://".count) }
        while text.hasSuffix("/") { text.removeLast() }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw CLIError("invalid API address '\(text)': expected HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        self.port = port
    }

    public struct Reply: Sendable {
        public var status: Int
        public var body: Data
    }

    public func get(_ path: String) throws -> Reply { try request("GET", path, body: nil) }
    public func post(_ path: String, json: Data) throws -> Reply { try request("POST", path, body: json) }

    /// Decodes a 2xx reply as `T`; otherwise throws the API's error message.
    public func decode<T: Decodable>(_ type: T.Type, _ reply: Reply) throws -> T {
        guard (200..<300).contains(reply.status) else { throw CLIError(Self.message(reply)) }
        do { return try JSONDecoder().decode(T.self, from: reply.body) } catch {
            throw CLIError("unexpected reply from the peer: \(error)")
        }
    }

    public static func message(_ reply: Reply) -> String {
        if let error = try? JSONDecoder().decode(ErrorView.self, from: reply.body) { return error.error }
        return "the peer answered HTTP \(reply.status): \(String(decoding: reply.body.prefix(200), as: UTF8.self))"
    }

    private func request(_ method: String, _ path: String, body: Data?) throws -> Reply {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &results) == 0, let first = results else {
            throw CLIError("cannot resolve the peer's API host '\(host)'")
        }
        defer { freeaddrinfo(results) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw CLIError("cannot open a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            throw CLIError("cannot reach the peer's API at \(host):\(port): \(String(cString: strerror(errno))) — is the peer running?")
        }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nAccept: application/json\r\n"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        var outgoing = Data(head.utf8)
        if let body { outgoing.append(body) }
        try outgoing.withUnsafeBytes { buffer in
            var sent = 0
            while sent < buffer.count {
                let count = send(fd, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                guard count > 0 else { throw CLIError("sending to the peer failed: \(String(cString: strerror(errno)))") }
                sent += count
            }
        }
        var incoming = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count == 0 { break }
            guard count > 0 else { throw CLIError("reading from the peer failed: \(String(cString: strerror(errno)))") }
            incoming.append(contentsOf: chunk[0..<count])
            guard incoming.count < 64 << 20 else { throw CLIError("the peer's reply exceeds 64 MiB") }
        }
        guard let separator = incoming.range(of: Data("\r\n\r\n".utf8)) else { throw CLIError("malformed reply from the peer") }
        let headText = String(decoding: incoming[..<separator.lowerBound], as: UTF8.self)
        let statusLine = headText.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw CLIError("malformed status line from the peer") }
        var payload = Data(incoming[separator.upperBound...])
        if headText.lowercased().contains("transfer-encoding: chunked") { payload = Self.dechunk(payload) }
        return Reply(status: status, body: payload)
    }

    static func dechunk(_ data: Data) -> Data {
        var output = Data()
        var index = data.startIndex
        while index < data.endIndex {
            guard let lineEnd = data[index...].range(of: Data("\r\n".utf8)) else { break }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let end = data.index(start, offsetBy: size, limitedBy: data.endIndex) ?? data.endIndex
            output.append(data[start..<end])
            index = data.index(end, offsetBy: 2, limitedBy: data.endIndex) ?? data.endIndex
        }
        return output
    }
}

/// A failure of the client, or the peer's own error message.
public struct CLIError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
