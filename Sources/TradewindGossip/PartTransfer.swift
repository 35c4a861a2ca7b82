import TradewindCrypto
import TradewindWire

/// Large objects (proposals, blocks, sync replies) cross a lossy network as parts:
/// each part fits one datagram and carries a Merkle proof against the object's
/// root, so it is checked on arrival; a member asks for the parts it lacks from
/// members that announced the object, and keeps asking until it has them all.
/// A completed object is not announced onwards until its owner has checked it
/// and calls `relay`: a member spreads only what it would accept itself.
/// A pure value, driven by messages and ticks.
/// Part transfer's messages: an object announced, parts asked for, a part with its proof.
public enum PartMessage: Sendable {
    case announce(root: Bytes32, count: UInt32, size: UInt32, tag: UInt64)
    case request(root: Bytes32, indexes: [UInt32])
    case part(root: Bytes32, count: UInt32, index: UInt32, bytes: [UInt8], proof: [Bytes32])
}

public struct PartTransfer<ID: Hashable & Comparable & Sendable, Random: RandomNumberGenerator> {
    public struct Configuration: Sendable {
        /// Bytes of object per part (a part with its proof must fit one datagram).
        public var partSize = 800
        public var maxObjectSize = 4 << 20
        /// Parts requested from one member at a time.
        public var window = 32
        public var requestTimeout: Duration = .milliseconds(250)
        /// How long a relayed object keeps being announced, how often, and to how many
        /// members each time.
        public var announceFor: Duration = .seconds(10)
        public var announceInterval: Duration = .seconds(1)
        public var announceFanout = 2
        public var keepComplete: Duration = .seconds(60)

        public init() {}
    }

    public typealias Message = PartMessage

    public enum Action {
        case send(Message, to: ID)
        /// A complete object whose parts all verified against its root; `from` is the
        /// member that first announced it. Check it, then `relay` it to spread it.
        case complete(root: Bytes32, tag: UInt64, object: [UInt8], from: ID)
    }

    struct Assembly {
        let count: Int
        let size: Int
        let tag: UInt64
        var parts: [Int: [UInt8]] = [:]
        var holders: [ID]
        /// Outstanding requests: index → (member, time asked).
        var outstanding: [Int: (ID, MonotonicInstant)] = [:]
    }

    struct Complete {
        let tag: UInt64
        let parts: [[UInt8]]
        let tree: MerkleTree
        var completedAt: MonotonicInstant
        /// False for directed replies and for objects not yet relayed: served on
        /// request, not announced.
        var announced = true
        var lastAnnouncedAt: MonotonicInstant = .zero
    }

    public let configuration: Configuration
    private var random: Random
    private var assemblies: [Bytes32: Assembly] = [:]
    private var complete: [Bytes32: Complete] = [:]
    public private(set) var peers: [ID] = []
    public private(set) var invalidParts = 0
    public private(set) var partsReceived = 0

    public init(configuration: Configuration = .init(), random: Random) {
        self.configuration = configuration
        self.random = random
    }

    public mutating func setPeers(_ ids: [ID]) { peers = ids.sorted() }

    public func isComplete(_ root: Bytes32) -> Bool { complete[root] != nil }

    /// Splits `object` into parts, keeps it to serve requests and starts announcing
    /// it — to `recipients` only, if given (a sync reply), else to random members.
    /// Returns its root.
    public mutating func offer(_ object: [UInt8], tag: UInt64, now: MonotonicInstant, to recipients: [ID]? = nil)
        -> (root: Bytes32, actions: [Action]) {
        let parts = stride(from: 0, to: max(object.count, 1), by: configuration.partSize).map {
            Array(object[$0..<min(object.count, $0 + configuration.partSize)])
        }
        let tree = MerkleTree(leaves: parts)
        var actions: [Action] = []
        if let recipients {
            // A directed reply: served on request, not spread further from here.
            let entry = Complete(tag: tag, parts: parts, tree: tree, completedAt: now, announced: false)
            complete[tree.root] = entry
            for recipient in recipients { actions.append(.send(announcement(tree.root, of: entry), to: recipient)) }
        } else {
            let entry = Complete(tag: tag, parts: parts, tree: tree, completedAt: now, lastAnnouncedAt: now)
            complete[tree.root] = entry
            for peer in peers.shuffled(using: &random).prefix(configuration.announceFanout * 2) {
                actions.append(.send(announcement(tree.root, of: entry), to: peer))
            }
        }
        return (tree.root, actions)
    }

    private func announcement(_ root: Bytes32, of entry: Complete) -> Message {
        .announce(root: root, count: UInt32(entry.parts.count), size: UInt32(entry.parts.reduce(0) { $0 + $1.count }),
                  tag: entry.tag)
    }

    /// Starts announcing a completed object the owner has checked and accepts.
    public mutating func relay(_ root: Bytes32, now: MonotonicInstant) -> [Action] {
        guard var entry = complete[root], !entry.announced else { return [] }
        entry.announced = true
        entry.completedAt = now
        entry.lastAnnouncedAt = now
        complete[root] = entry
        return peers.shuffled(using: &random).prefix(configuration.announceFanout * 2).map {
            .send(announcement(root, of: entry), to: $0)
        }
    }

    public mutating func receive(_ message: Message, from sender: ID, now: MonotonicInstant) -> [Action] {
        var actions: [Action] = []
        switch message {
        case let .announce(root, count, size, tag):
            guard complete[root] == nil else { return [] }
            guard count > 0, Int(size) <= configuration.maxObjectSize,
                  Int(count) == max(1, (Int(size) + configuration.partSize - 1) / configuration.partSize) else { return [] }
            if assemblies[root] == nil {
                assemblies[root] = Assembly(count: Int(count), size: Int(size), tag: tag, holders: [sender])
            } else if assemblies[root]?.holders.contains(sender) == false {
                assemblies[root]?.holders.append(sender)
            }
            requestMissing(root, now: now, into: &actions)
        case let .request(root, indexes):
            guard let entry = complete[root] else { return [] }
            for index in indexes.prefix(configuration.window) where Int(index) < entry.parts.count {
                actions.append(.send(.part(root: root, count: UInt32(entry.parts.count), index: index,
                                           bytes: entry.parts[Int(index)], proof: entry.tree.proof(for: Int(index))), to: sender))
            }
        case let .part(root, count, index, bytes, proof):
            partsReceived += 1
            guard var assembly = assemblies[root], assembly.count == Int(count), Int(index) < assembly.count,
                  assembly.parts[Int(index)] == nil else { return [] }
            guard bytes.count <= configuration.partSize,
                  MerkleTree.verify(leaf: bytes, index: Int(index), count: Int(count), proof: proof, root: root) else {
                invalidParts += 1
                return []
            }
            assembly.parts[Int(index)] = bytes
            assembly.outstanding[Int(index)] = nil
            if !assembly.holders.contains(sender) { assembly.holders.append(sender) }
            assemblies[root] = assembly
            if assembly.parts.count == assembly.count {
                finish(root, now: now, into: &actions)
            } else {
                requestMissing(root, now: now, into: &actions)
            }
        }
        return actions
    }

    public mutating func tick(now: MonotonicInstant) -> [Action] {
        var actions: [Action] = []
        for root in assemblies.keys.sorted() {
            guard var assembly = assemblies[root] else { continue }
            // Requests that timed out go back to the pool, to be asked of someone else.
            for (index, request) in assembly.outstanding where now - request.1 >= configuration.requestTimeout {
                assembly.outstanding[index] = nil
            }
            assemblies[root] = assembly
            requestMissing(root, now: now, into: &actions)
        }
        for root in complete.keys.sorted() {
            guard let entry = complete[root] else { continue }
            if entry.announced && now - entry.completedAt < configuration.announceFor {
                guard now - entry.lastAnnouncedAt >= configuration.announceInterval else { continue }
                complete[root]?.lastAnnouncedAt = now
                for peer in peers.shuffled(using: &random).prefix(configuration.announceFanout) {
                    actions.append(.send(announcement(root, of: entry), to: peer))
                }
            } else if now - entry.completedAt >= configuration.keepComplete {
                complete[root] = nil
            }
        }
        return actions
    }

    /// Asks holders for missing parts, spreading the parts over them, up to a window each.
    private mutating func requestMissing(_ root: Bytes32, now: MonotonicInstant, into actions: inout [Action]) {
        guard var assembly = assemblies[root], !assembly.holders.isEmpty else { return }
        var load: [ID: Int] = [:]
        for (_, request) in assembly.outstanding { load[request.0, default: 0] += 1 }
        var batches: [ID: [UInt32]] = [:]
        var holders = assembly.holders.shuffled(using: &random)
        var next = 0
        for index in 0..<assembly.count where assembly.parts[index] == nil && assembly.outstanding[index] == nil {
            var chosen: ID?
            for _ in 0..<holders.count {
                let candidate = holders[next % holders.count]
                next += 1
                if load[candidate, default: 0] < configuration.window {
                    chosen = candidate
                    break
                }
            }
            guard let holder = chosen else { break }
            load[holder, default: 0] += 1
            batches[holder, default: []].append(UInt32(index))
            assembly.outstanding[index] = (holder, now)
        }
        holders.removeAll()
        assemblies[root] = assembly
        for (holder, indexes) in batches.sorted(by: { $0.key < $1.key }) {
            actions.append(.send(.request(root: root, indexes: indexes), to: holder))
        }
    }

    private mutating func finish(_ root: Bytes32, now: MonotonicInstant, into actions: inout [Action]) {
        guard let assembly = assemblies.removeValue(forKey: root) else { return }
        let parts = (0..<assembly.count).compactMap { assembly.parts[$0] }
        guard parts.count == assembly.count else { return }
        let tree = MerkleTree(leaves: parts)
        complete[root] = Complete(tag: assembly.tag, parts: parts, tree: tree, completedAt: now, announced: false)
        guard let announcer = assembly.holders.first else { return }
        actions.append(.complete(root: root, tag: assembly.tag, object: parts.flatMap { $0 }, from: announcer))
    }
}

/// A binary Merkle tree over an object's parts: leaf = BLAKE2b-256(0x00 ‖ u32 index ‖
/// part), node = BLAKE2b-256(0x01 ‖ left ‖ right), an odd node is carried up, and the
/// root = BLAKE2b-256(0x02 ‖ u32 count ‖ top), so the root commits to the part count.
public struct MerkleTree: Sendable {
    let levels: [[Bytes32]]
    public let root: Bytes32

    public init(leaves: [[UInt8]]) {
        var level = leaves.enumerated().map { Self.leafHash($0.element, index: $0.offset) }
        var levels = [level]
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map {
                $0 + 1 < level.count ? Self.nodeHash(level[$0], level[$0 + 1]) : level[$0]
            }
            levels.append(level)
        }
        self.levels = levels
        root = Self.rootHash(top: level.first ?? .zero, count: leaves.count)
    }

    static func leafHash(_ bytes: [UInt8], index: Int) -> Bytes32 {
        Blake2b.hash256([0x00] + withUnsafeBytes(of: UInt32(index).bigEndian) { Array($0) } + bytes)
    }

    static func nodeHash(_ left: Bytes32, _ right: Bytes32) -> Bytes32 {
        Blake2b.hash256([0x01] + left.bytes + right.bytes)
    }

    static func rootHash(top: Bytes32, count: Int) -> Bytes32 {
        Blake2b.hash256([0x02] + withUnsafeBytes(of: UInt32(count).bigEndian) { Array($0) } + top.bytes)
    }

    /// The sibling hashes from leaf `index` up to the top.
    public func proof(for index: Int) -> [Bytes32] {
        var proof: [Bytes32] = []
        var position = index
        for level in levels.dropLast() {
            let sibling = position ^ 1
            if sibling < level.count { proof.append(level[sibling]) }
            position /= 2
        }
        return proof
    }

    public static func verify(leaf: [UInt8], index: Int, count: Int, proof: [Bytes32], root: Bytes32) -> Bool {
        guard index < count, proof.count <= 32 else { return false }
        var hash = leafHash(leaf, index: index)
        var position = index
        var width = count
        var remaining = proof[...]
        while width > 1 {
            let sibling = position ^ 1
            if sibling < width {
                guard let next = remaining.popFirst() else { return false }
                hash = position % 2 == 0 ? nodeHash(hash, next) : nodeHash(next, hash)
            }
            position /= 2
            width = (width + 1) / 2
        }
        return remaining.isEmpty && rootHash(top: hash, count: count) == root
    }
}
