/// Optimal one-to-one matching of centroids between two runs, to keep segment ids stable.
///
/// Returns, for each row of `current`, the index of the `previous` row it is matched with (or −1 when
/// `current` has more rows than `previous` and this one is left over), minimising the total squared
/// Euclidean distance between matched pairs (Hungarian algorithm; rectangular inputs allowed).
/// - Precondition: both matrices have the same number of columns.
/// - Complexity: O(r²·c) for r = min(p, q), c = max(p, q) centroids.
public func matchCentroids(previous: FeatureMatrix, current: FeatureMatrix) -> [Int] {
    precondition(previous.columnCount == current.columnCount, "matchCentroids: different feature counts")
    let p = previous.rowCount, q = current.rowCount
    var costs = [Double](repeating: 0, count: q * p)
    for i in 0..<q {
        for j in 0..<p {
            var squared = 0.0
            for f in 0..<current.columnCount {
                let delta = current[i, f] - previous[j, f]
                squared += delta * delta
            }
            costs[i * p + j] = squared
        }
    }
    return optimalAssignment(costs: costs, rowCount: q, columnCount: p)
}

/// Minimum-cost assignment of rows to columns for a row-major `rowCount × columnCount` cost matrix.
///
/// Returns the assigned column of each row, or −1 for rows left unassigned when there are more rows than
/// columns. Uses the Hungarian algorithm with potentials (Jonker–Volgenant style shortest augmenting paths).
/// - Complexity: O(r²·c) for r = min(rows, columns), c = max(rows, columns).
public func optimalAssignment(costs: [Double], rowCount: Int, columnCount: Int) -> [Int] {
    precondition(costs.count == rowCount * columnCount, "optimalAssignment: cost matrix shape mismatch")
    if rowCount == 0 { return [] }
    if columnCount == 0 { return [Int](repeating: -1, count: rowCount) }
    if rowCount > columnCount {
        // Solve the transpose (columns as rows) and invert.
        var transposed = [Double](repeating: 0, count: costs.count)
        for i in 0..<rowCount { for j in 0..<columnCount { transposed[j * rowCount + i] = costs[i * columnCount + j] } }
        let columnToRow = hungarian(transposed, rows: columnCount, columns: rowCount)
        var result = [Int](repeating: -1, count: rowCount)
        for (column, row) in columnToRow.enumerated() where row >= 0 { result[row] = column }
        return result
    }
    return hungarian(costs, rows: rowCount, columns: columnCount)
}

/// Hungarian algorithm for rows ≤ columns; returns the column of each row.
private func hungarian(_ cost: [Double], rows n: Int, columns m: Int) -> [Int] {
    // 1-based potentials and matching, column 0 is the virtual start.
    var u = [Double](repeating: 0, count: n + 1)
    var v = [Double](repeating: 0, count: m + 1)
    var rowOfColumn = [Int](repeating: 0, count: m + 1)
    var way = [Int](repeating: 0, count: m + 1)
    for row in 1...n {
        rowOfColumn[0] = row
        var column0 = 0
        var minimum = [Double](repeating: .infinity, count: m + 1)
        var used = [Bool](repeating: false, count: m + 1)
        repeat {
            used[column0] = true
            let row0 = rowOfColumn[column0]
            var delta = Double.infinity
            var column1 = 0
            for column in 1...m where !used[column] {
                let reduced = cost[(row0 - 1) * m + (column - 1)] - u[row0] - v[column]
                if reduced < minimum[column] {
                    minimum[column] = reduced
                    way[column] = column0
                }
                if minimum[column] < delta {
                    delta = minimum[column]
                    column1 = column
                }
            }
            for column in 0...m {
                if used[column] {
                    u[rowOfColumn[column]] += delta
                    v[column] -= delta
                } else {
                    minimum[column] -= delta
                }
            }
            column0 = column1
        } while rowOfColumn[column0] != 0
        repeat {
            let column1 = way[column0]
            rowOfColumn[column0] = rowOfColumn[column1]
            column0 = column1
        } while column0 != 0
    }
    var result = [Int](repeating: -1, count: n)
    for column in 1...m where rowOfColumn[column] > 0 { result[rowOfColumn[column] - 1] = column - 1 }
    return result
}
