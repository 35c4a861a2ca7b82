/// The software release, shown by `tradewind --version` and in peer status.
public enum Release {
    public static let version = "0.3.1"
}
