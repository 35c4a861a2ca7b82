// The `tradewind` executable: the CLI lives in the TradewindCLI library, so that tests
// can import it in every build configuration (an executable's entry point cannot be
// linked into a test bundle in release builds).
import TradewindCLI

await Tradewind.runFromCommandLine()
