import CSodium
import TradewindWire

/// libsodium must be initialised once before use; `sodium_init` is idempotent and
/// thread-safe, and a global `let` is initialised exactly once.
private let sodiumInitResult: Int32 = sodium_init()

enum Sodium {
    /// Called by every entry point that reaches libsodium. `sodium_init` only fails
    /// when the system has no usable random source, which no key can be made without.
    @inline(__always)
    static func ensureInitialized() {
        precondition(sodiumInitResult >= 0, "libsodium failed to initialise (no system random source?)")
    }
}

/// Anything whose bytes can be borrowed contiguously: arrays, slices, fixed byte
/// values and secrets alike, so the primitives need one signature each.
public protocol ByteSource {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ByteSource where Element == UInt8 {}
extension ArraySlice: ByteSource where Element == UInt8 {}
extension Bytes32: ByteSource {}
extension Bytes64: ByteSource {}

extension UnsafeRawBufferPointer {
    /// A non-null base address even for empty buffers; libsodium rejects NULL inputs
    /// in some builds even when the length is zero.
    var baseOrEmpty: UnsafePointer<UInt8> {
        if let base = baseAddress { return base.assumingMemoryBound(to: UInt8.self) }
        return emptyByte
    }
}

// Never written after initialisation.
nonisolated(unsafe) private let emptyByte: UnsafePointer<UInt8> = {
    let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return UnsafePointer(pointer)
}()
