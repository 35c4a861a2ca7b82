import Foundation
import TradewindLedger
import TradewindChainStore
import TradewindStore
import TradewindWire

enum LedgerProbe {
    static func replay(genesisPath: String, blocksPath: String, directory: String, initialMapSize: Int?) {
        do {
            let genesis = try JSONDecoder().decode(Genesis.self, from: Data(contentsOf: URL(fileURLWithPath: genesisPath)))
            let ledger = try Ledger(genesis: genesis)
            var reader = WireReader(Array(try Data(contentsOf: URL(fileURLWithPath: blocksPath))))
            let blocks = try reader.readArray(maxCount: 1_000_000) { (r: inout WireReader) throws(WireError) in
                try r.read(Block.self)
            }
            try reader.expectEnd()
            var options = StoreEnvironment.Options()
            if let initialMapSize { options.initialMapSize = initialMapSize }
            let store = try ChainStore(directory: directory, options: options)
            try store.initialize(ledger: ledger)
            let start = try store.head().height
            for block in blocks where block.header.height > start {
                let execution = try store.apply(block, ledger: ledger)
                say("height \(block.header.height) root \(execution.stateRoot.hex)")
            }
        } catch {
            fail("\(error)")
        }
    }
}
