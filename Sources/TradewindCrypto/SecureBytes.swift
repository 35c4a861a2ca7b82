import CSodium

/// Secret bytes (private keys, session keys, passphrases): zeroed with
/// `sodium_memzero` when released, never printed.
///
/// Immutable after creation, so sharing it across tasks is safe.
public final class SecureBytes: @unchecked Sendable, ByteSource {
    private let pointer: UnsafeMutableRawPointer
    public let count: Int

    /// `count` bytes written by `initializer`; they are zeroed first.
    public init(count: Int, initializer: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        Sodium.ensureInitialized()
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        do {
            try initializer(UnsafeMutableRawBufferPointer(start: pointer, count: count))
        } catch {
            sodium_memzero(pointer, max(count, 1))
            pointer.deallocate()
            throw error
        }
    }

    /// Copies `bytes`. The caller remains responsible for its own copy.
    public convenience init(copying bytes: some ByteSource) {
        let count = bytes.withUnsafeBytes { $0.count }
        self.init(count: count) { destination in
            bytes.withUnsafeBytes { source in destination.copyMemory(from: source) }
        }
    }

    /// Fresh random bytes from the system source.
    public static func random(count: Int) -> SecureBytes {
        SecureBytes(count: count) { SecureRandom.fill($0) }
    }

    deinit {
        sodium_memzero(pointer, max(count, 1))
        pointer.deallocate()
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Constant-time comparison.
    public func isEqual(to other: SecureBytes) -> Bool {
        count == other.count && sodium_memcmp(pointer, other.pointer, count) == 0
    }

    /// A copy of bytes `range`, still secret.
    public func slice(_ range: Range<Int>) -> SecureBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        return SecureBytes(count: range.count) { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(start: pointer + range.lowerBound, count: range.count))
        }
    }
}

extension SecureBytes: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "SecureBytes(\(count) bytes, redacted)" }
    public var debugDescription: String { description }
}
