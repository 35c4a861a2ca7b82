/// Sizes as people read them: "840 KiB", "12.4 MiB" (binary units, one decimal
/// from MiB up). `--json` prints the byte count unchanged.
enum ByteText {
    static func describe(_ bytes: UInt64) -> String {
        let units = ["MiB", "GiB", "TiB"]
        if bytes < 1 << 10 { return "\(bytes) B" }
        if bytes < 1 << 20 { return "\(bytes >> 10) KiB" }
        var value = Double(bytes) / Double(1 << 20)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
