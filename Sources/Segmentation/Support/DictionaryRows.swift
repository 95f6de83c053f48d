import Columnar

extension StringColumn {
    /// The row in `ids` of each string of this dictionary (-1 for one that is not an id), or nil when every string
    /// is the id at its own row (the dictionary is `ids` or their first part), so that codes into it are rows as
    /// they are: how dedupe and features take a coded `customer_id` column to customer rows.
    ///
    /// A dictionary that starts with `ids` looks up only its further strings; any other is looked up whole. `index`
    /// gives `ids` hashed (ordinal == row) and is called only when something has to be looked up.
    func rows(in ids: StringColumn, index: () -> StringInterner) -> [Int32]? {
        if ids.hasPrefix(self) { return nil }
        let startsWithIDs = hasPrefix(ids)
        let interner = index()
        var rows: [Int32] = startsWithIDs ? Array(0..<Int32(ids.count)) : []
        rows.reserveCapacity(count)
        withUnsafeStorage { offsets, bytes in
            for entry in rows.count..<count {
                let key = UnsafeBufferPointer(rebasing: bytes[offsets[entry]..<offsets[entry + 1]])
                rows.append(Int32(interner.ordinal(of: key) ?? -1))
            }
        }
        return rows
    }
}
