import TradewindWire

extension Step {
    mutating func body<B>(_ transaction: Transaction, id: Bytes32, state: inout StateOverlay<B>) throws(LedgerError) -> TransactionResult {
        let sender = transaction.sender
        switch transaction.body {
        case let .transfer(to, asset, amount, _):
            return try transfer(from: sender, to: to, asset: asset, amount: amount, &state)
        case let .issue(to, asset, amount):
            return try issue(by: sender, to: to, asset: asset, amount: amount, &state)
        case let .redeem(asset, amount):
            return try redeem(by: sender, asset: asset, amount: amount, &state)
        case let .merchantAttest(merchant, name, jurisdiction, registrationHash):
            guard isAuthority(sender) else { return TransactionResult(.tecNO_PERMISSION, "\(sender) is not an authority") }
            state.set(.merchant(merchant), MerchantAttestation(
                name: name, jurisdiction: jurisdiction, registrationHash: registrationHash, attestedBy: sender,
                height: context.height))
            return .success
        case let .merchantRevoke(merchant):
            guard isAuthority(sender) else { return TransactionResult(.tecNO_PERMISSION, "\(sender) is not an authority") }
            guard try state.value(for: .merchant(merchant)) != nil else {
                return TransactionResult(.tecNO_ENTRY, "\(merchant) is not attested")
            }
            state.remove(.merchant(merchant))
            return .success
        case let .freeze(account):
            return try setFrozen(account, true, by: sender, &state)
        case let .unfreeze(account):
            return try setFrozen(account, false, by: sender, &state)
        case let .setDepositAuth(enabled):
            var record = try accountState(sender, state) ?? AccountState()
            record.depositAuth = enabled
            state.set(.account(sender), record)
            return .success
        case let .preauthorize(account, authorized):
            if authorized {
                state.set(.preauthorization(owner: sender, sender: account), true)
            } else {
                state.remove(.preauthorization(owner: sender, sender: account))
            }
            return .success
        case let .authorityVote(change):
            return try vote(by: sender, change: change, &state)
        case let .claim(asset):
            let held = try state.record(.held(sender, asset), as: UInt64.self) ?? 0
            guard held > 0 else { return TransactionResult(.tecNO_ENTRY, "\(sender) has nothing held in \(asset)") }
            if let failure = try credit(sender, asset, held, &state) { return failure }
            state.remove(.held(sender, asset))
            return .success
        case let .orderCreate(terms):
            return try createOrder(id: id, buyer: sender, terms: terms, &state)
        default:
            return try orderTransition(transaction, &state)
        }
    }

    /// Freezing and unfreezing are symmetric: either fails (tec) when it would change
    /// nothing. A frozen authority may still freeze and unfreeze others, but not
    /// lift its own freeze: that takes another authority.
    mutating func setFrozen<B>(_ account: Address, _ frozen: Bool, by sender: Address, _ state: inout StateOverlay<B>)
        throws(LedgerError) -> TransactionResult {
        guard isAuthority(sender) else { return TransactionResult(.tecNO_PERMISSION, "\(sender) is not an authority") }
        var record = try accountState(account, state) ?? AccountState()
        guard record.frozen != frozen else {
            return TransactionResult(.tecNO_CHANGE, "\(account) is \(frozen ? "already" : "not") frozen")
        }
        if !frozen && account == sender {
            return TransactionResult(.tecFROZEN, "\(sender) cannot lift its own freeze; another authority must")
        }
        record.frozen = frozen
        state.set(.account(account), record)
        return .success
    }

    mutating func transfer<B>(from sender: Address, to receiver: Address, asset: AssetCode, amount: UInt64,
                              _ state: inout StateOverlay<B>) throws(LedgerError) -> TransactionResult {
        if let receiving = try accountState(receiver, state) {
            if receiving.frozen { return TransactionResult(.tecFROZEN, "receiver \(receiver)") }
            if receiving.depositAuth,
               try state.value(for: .preauthorization(owner: receiver, sender: sender)) == nil {
                return TransactionResult(.tecDEPOSIT_AUTH, "\(receiver) has not preauthorized \(sender)")
            }
        }
        if let failure = try debit(sender, asset, amount, &state) { return failure }
        if let failure = try credit(receiver, asset, amount, &state) { return failure }
        return .success
    }

    mutating func issue<B>(by sender: Address, to receiver: Address, asset: AssetCode, amount: UInt64,
                           _ state: inout StateOverlay<B>) throws(LedgerError) -> TransactionResult {
        guard ledger.assets[asset]?.issuer == sender else {
            return TransactionResult(.tecNO_PERMISSION, "\(sender) is not the issuer of \(asset)")
        }
        var supply = try state.record(.supply(asset), as: Supply.self) ?? Supply()
        let (issued, overflow) = supply.issued.addingReportingOverflow(amount)
        guard !overflow else {
            return TransactionResult(.tecOVERFLOW, "issuing \(amount) more \(asset)")
        }
        if receiver != sender, let receiving = try accountState(receiver, state) {
            if receiving.frozen { return TransactionResult(.tecFROZEN, "receiver \(receiver)") }
            if receiving.depositAuth,
               try state.value(for: .preauthorization(owner: receiver, sender: sender)) == nil {
                return TransactionResult(.tecDEPOSIT_AUTH, "\(receiver) has not preauthorized \(sender)")
            }
        }
        if let failure = try credit(receiver, asset, amount, &state) { return failure }
        supply.issued = issued
        state.set(.supply(asset), supply)
        return .success
    }

    mutating func redeem<B>(by sender: Address, asset: AssetCode, amount: UInt64,
                            _ state: inout StateOverlay<B>) throws(LedgerError) -> TransactionResult {
        guard ledger.assets[asset]?.issuer == sender else {
            return TransactionResult(.tecNO_PERMISSION, "\(sender) is not the issuer of \(asset)")
        }
        if let failure = try debit(sender, asset, amount, &state) { return failure }
        var supply = try state.record(.supply(asset), as: Supply.self) ?? Supply()
        supply.redeemed += amount
        state.set(.supply(asset), supply)
        return .success
    }

    /// Tallies a vote; when more than two thirds of the current set agree, the
    /// change takes effect at H + 2 and this block's header carries the new set.
    mutating func vote<B>(by sender: Address, change: AuthorityChange, _ state: inout StateOverlay<B>)
        throws(LedgerError) -> TransactionResult {
        guard isAuthority(sender) else { return TransactionResult(.tecNO_PERMISSION, "\(sender) is not an authority") }
        // The set the change applies to: the latest scheduled one, else the current one.
        let base = chain.scheduled.last?.authorities ?? chain.authorities
        switch change {
        case let .add(key) where base.contains(key):
            return TransactionResult(.tecNO_CHANGE, "\(key) is already an authority")
        case let .remove(key) where !base.contains(key):
            return TransactionResult(.tecNO_CHANGE, "\(key) is not an authority")
        case .remove where base.count == 1:
            return TransactionResult(.tecNO_CHANGE, "the last authority cannot be removed")
        default:
            break
        }
        var votes = try state.record(.authorityVotes(change), as: AuthorityVotes.self) ?? AuthorityVotes(voters: [])
        guard !votes.voters.contains(sender) else {
            return TransactionResult(.tecDUPLICATE_VOTE, "\(sender) already voted for this change")
        }
        votes.voters.append(sender)
        let current = chain.authorities
        let agreeing = votes.voters.filter { current.contains($0) }.count
        if agreeing * 3 > current.count * 2 {
            var next = base
            switch change {
            case let .add(key): next.append(key)
            case let .remove(key): next.removeAll { $0 == key }
            }
            next.sort()
            chain.scheduled.append(ChainState.ScheduledSet(height: context.height + 2, authorities: next))
            scheduledSet = next
            state.remove(.authorityVotes(change))
        } else {
            state.set(.authorityVotes(change), votes)
        }
        state.set(.chain, chain)
        return .success
    }
}
