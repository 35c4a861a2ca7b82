// The `tradewind` executable: the CLI lives in the TradewindCLI library, so that tests
// can import it in every build configuration. The entry point stays synchronous: the
// test bundle links this target (to build the binary its tests run), and an async
// top-level entry point would collide with the bundle's own in release builds.
import Dispatch
import TradewindCLI

let finished = DispatchSemaphore(value: 0)
// Detached: top-level code is on the main actor, which waits below.
Task.detached {
    await Tradewind.runFromCommandLine()
    finished.signal()
}
finished.wait()
