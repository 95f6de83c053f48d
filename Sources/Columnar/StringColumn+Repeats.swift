extension StringColumn {
    /// For each of `rows` (strictly increasing), whether its string equals the string of an earlier row in `rows`:
    /// the repeats a "keep the first occurrence" deduplication drops.
    ///
    /// Radix-partitioned hashing: the rows are hashed in one sequential pass, scattered by the top bits of their
    /// hash into partitions of about 32k rows (stable, so row order survives within a partition), and each
    /// partition is deduplicated with a small open-addressing table that stays in the CPU cache. A single hash
    /// table over ten million keys would instead miss the cache and the TLB on almost every insert.
    /// - Complexity: O(rows + bytes of those rows); memory about 20 bytes per row.
    public func repeatedRows(among rows: [Int]) -> [Bool] {
        let rowCount = rows.count
        var repeated = [Bool](repeating: false, count: rowCount)
        guard rowCount > 1 else { return repeated }
        let seed = UInt64.random(in: 0...UInt64.max) | 1
        var partitionBits = 0
        while partitionBits < 12, (rowCount >> partitionBits) > 32_768 { partitionBits += 1 }
        let partitionCount = 1 << partitionBits
        let shift = UInt64(64 - partitionBits)

        precondition(rowCount < Int(Int32.max), "repeatedRows handles fewer than 2^31 rows")
        withUnsafeStorage { offsets, bytes in
            let base = bytes.baseAddress
            rows.withUnsafeBufferPointer { rows in
                // Hash every row once.
                let hashes = [UInt64](unsafeUninitializedCapacity: rowCount) { hashes, count in
                    for position in 0..<rowCount {
                        let row = rows[position]
                        hashes[position] = ByteHash.hash(
                            UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]]), seed: seed)
                    }
                    count = rowCount
                }
                // Stable counting sort of positions by partition.
                var start = [Int](repeating: 0, count: partitionCount + 1)
                for hash in hashes {
                    start[partitionBits == 0 ? 1 : Int(hash >> shift) + 1] += 1
                }
                for partition in 0..<partitionCount { start[partition + 1] += start[partition] }
                var next = start
                var ordered = [Int32](repeating: 0, count: rowCount)
                for position in 0..<rowCount {
                    let partition = partitionBits == 0 ? 0 : Int(hashes[position] >> shift)
                    ordered[next[partition]] = Int32(truncatingIfNeeded: position)
                    next[partition] += 1
                }
                // Deduplicate each partition with a cache-sized table of positions + 1.
                var largest = 0
                for partition in 0..<partitionCount {
                    largest = max(largest, start[partition + 1] - start[partition])
                }
                var slotCount = 16
                while slotCount < largest * 2 { slotCount <<= 1 }
                var slots = [Int32](repeating: 0, count: slotCount)
                repeated.withUnsafeMutableBufferPointer { repeated in
                    slots.withUnsafeMutableBufferPointer { slots in
                        for partition in 0..<partitionCount {
                            let size = start[partition + 1] - start[partition]
                            guard size > 1 else { continue }
                            var tableSize = 16
                            while tableSize < size * 2 { tableSize <<= 1 }
                            let mask = tableSize - 1
                            for slot in 0..<tableSize { slots[slot] = 0 }
                            for index in start[partition]..<start[partition + 1] {
                                let position = Int(ordered[index])
                                let hash = hashes[position]
                                let row = rows[position]
                                var slot = Int(truncatingIfNeeded: hash) & mask
                                while true {
                                    let entry = Int(slots[slot])
                                    if entry == 0 {
                                        slots[slot] = Int32(truncatingIfNeeded: position + 1)
                                        break
                                    }
                                    let other = entry - 1
                                    if hashes[other] == hash {
                                        let otherRow = rows[other]
                                        let length = offsets[row + 1] - offsets[row]
                                        if offsets[otherRow + 1] - offsets[otherRow] == length,
                                            length == 0
                                                || base.map({
                                                    memoryEquals($0 + offsets[row], $0 + offsets[otherRow], length)
                                                }) ?? true
                                        {
                                            repeated[position] = true
                                            break
                                        }
                                    }
                                    slot = (slot + 1) & mask
                                }
                            }
                        }
                    }
                }
            }
        }
        return repeated
    }
}
