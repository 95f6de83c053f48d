/// Minimises a smooth objective of a few unconstrained parameters (the models' log-parameters).
///
/// BFGS with the analytic gradient and a backtracking line search runs first, as `lifetimes` does through
/// scipy's `minimize`. When it stops away from a stationary point (gradient norm above `gradientTolerance`),
/// Nelder–Mead — restarted from its best vertex until a restart no longer improves the objective, which guards
/// against a collapsed simplex — takes over and BFGS polishes its result. Non-finite objective values count as
/// +∞, so the search backs away from overflowing parameters.
struct LikelihoodOptimizer {
    /// The outcome of a search.
    struct Result {
        /// The best point found.
        var point: [Double]
        /// The objective at `point`.
        var value: Double
        /// The Euclidean norm of the gradient at `point`.
        var gradientNorm: Double
        /// How many times the objective was evaluated.
        var evaluations: Int
    }

    /// The objective and its gradient at a point.
    typealias Objective = ([Double]) -> (value: Double, gradient: [Double])

    /// The gradient norm below which BFGS's result is accepted without a simplex search.
    ///
    /// BFGS itself keeps going to ``relativeTolerance`` times the objective's magnitude (at most
    /// ``largestStoppingGradient``) while the objective still decreases.
    static let gradientTolerance = 1e-6

    /// BFGS stops when the gradient norm falls below this times max(1, |objective|), but at most
    /// ``largestStoppingGradient``: the objective is a mean over up to millions of terms, whose rounding leaves the
    /// gradient a little above 10⁻¹⁰, and the searches that chased 10⁻¹⁰ spent half a fit's evaluations on line
    /// searches that could no longer decrease it.
    static let relativeTolerance = 1e-9

    /// The largest gradient norm at which BFGS stops (for objectives of large magnitude), well below
    /// ``gradientTolerance`` and the fits' own acceptance checks.
    static let largestStoppingGradient = 1e-7

    /// The looser tolerance of the search over a subsample, whose optimum is only a starting point.
    static let sampleTolerance = 1e-5

    private let objective: Objective
    private var evaluations = 0

    /// Minimises `objective` from `start`.
    ///
    /// With `sample`, an objective of the same form over a subsample of the data (a mean, so of the same scale),
    /// BFGS first minimises the sample's objective from `start` (to a looser tolerance), then goes on over the
    /// whole data from that point with the curvature it learnt there: the many evaluations of the way from
    /// `start` cost a fraction of whole ones, and the whole data's search only polishes. Both searches converge
    /// to the whole data's optimum, to the same tolerance.
    static func minimize(start: [Double], sample: Objective? = nil, objective: @escaping Objective) -> Result {
        var from = start
        var inverseHessian: [[Double]]?
        if let sample {
            var warmUp = LikelihoodOptimizer(objective: sample)
            let fitted = warmUp.bfgs(from: start, relativeTolerance: sampleTolerance, largestGradient: .infinity)
            if fitted.value.isFinite, fitted.point.allSatisfy(\.isFinite) {
                from = fitted.point
                inverseHessian = fitted.inverseHessian
            }
        }
        var search = LikelihoodOptimizer(objective: objective)
        var (point, value, gradient, _) = search.bfgs(from: from, inverseHessian: inverseHessian)
        if sample != nil, !value.isFinite {
            // The subsample led where the whole data's objective overflows: search from the start instead.
            (point, value, gradient, _) = search.bfgs(from: start)
        }
        if !(norm(gradient) < gradientTolerance) {
            for _ in 0..<12 {
                let (candidate, candidateValue) = search.nelderMead(from: point, step: 0.5)
                let improvement = value - candidateValue
                if candidateValue < value {
                    point = candidate
                    value = candidateValue
                }
                if !(improvement > 1e-12 * max(1, abs(value))) { break }
            }
            let polished = search.bfgs(from: point)
            if polished.value <= value {
                (point, value, gradient) = (polished.point, polished.value, polished.gradient)
            } else {
                gradient = search.evaluateWithGradient(point).gradient
            }
        }
        return Result(point: point, value: value, gradientNorm: norm(gradient), evaluations: search.evaluations)
    }

    private init(objective: @escaping Objective) {
        self.objective = objective
    }

    private static func norm(_ vector: [Double]) -> Double {
        vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    private mutating func evaluateWithGradient(_ point: [Double]) -> (value: Double, gradient: [Double]) {
        evaluations += 1
        let (value, gradient) = objective(point)
        return (value.isFinite ? value : .infinity, gradient)
    }

    private mutating func evaluate(_ point: [Double]) -> Double {
        evaluateWithGradient(point).value
    }

    // MARK: - Nelder–Mead

    private mutating func nelderMead(from start: [Double], step: Double) -> ([Double], Double) {
        let dimension = start.count
        var vertices = [start]
        for axis in 0..<dimension {
            var vertex = start
            vertex[axis] += step
            vertices.append(vertex)
        }
        var values = vertices.map { evaluate($0) }
        let maximumIterations = 2_000 * dimension
        for _ in 0..<maximumIterations {
            let order = values.indices.sorted { values[$0] < values[$1] }
            vertices = order.map { vertices[$0] }
            values = order.map { values[$0] }
            let best = values[0]
            let worst = values[dimension]
            let spread = (1...dimension).reduce(0.0) { partial, index in
                zip(vertices[index], vertices[0]).reduce(partial) { max($0, abs($1.0 - $1.1)) }
            }
            if worst - best <= 1e-14 * max(1, abs(best)), spread <= 1e-10 { break }

            var centroid = [Double](repeating: 0, count: dimension)
            for index in 0..<dimension {
                for axis in 0..<dimension { centroid[axis] += vertices[index][axis] / Double(dimension) }
            }
            func along(_ factor: Double) -> [Double] {
                (0..<dimension).map { centroid[$0] + factor * (vertices[dimension][$0] - centroid[$0]) }
            }
            let reflected = along(-1)
            let reflectedValue = evaluate(reflected)
            if reflectedValue < best {
                let expanded = along(-2)
                let expandedValue = evaluate(expanded)
                if expandedValue < reflectedValue {
                    vertices[dimension] = expanded
                    values[dimension] = expandedValue
                } else {
                    vertices[dimension] = reflected
                    values[dimension] = reflectedValue
                }
                continue
            }
            if reflectedValue < values[dimension - 1] {
                vertices[dimension] = reflected
                values[dimension] = reflectedValue
                continue
            }
            let contracted = reflectedValue < worst ? along(-0.5) : along(0.5)
            let contractedValue = evaluate(contracted)
            if contractedValue < min(reflectedValue, worst) {
                vertices[dimension] = contracted
                values[dimension] = contractedValue
                continue
            }
            for index in 1...dimension {
                vertices[index] = (0..<dimension).map {
                    vertices[0][$0] + 0.5 * (vertices[index][$0] - vertices[0][$0])
                }
                values[index] = evaluate(vertices[index])
            }
        }
        let bestIndex = values.indices.min { values[$0] < values[$1] } ?? 0
        return (vertices[bestIndex], values[bestIndex])
    }

    // MARK: - BFGS

    /// BFGS from `start`, with `inverseHessian` as the first estimate of the inverse Hessian (identity, scaled to
    /// the curvature after the first step, when nil); stops when the gradient norm is below `relativeTolerance`
    /// times max(1, |value|) (at most `largestGradient`) or no step decreases the objective.
    private mutating func bfgs(
        from start: [Double], inverseHessian initial: [[Double]]? = nil,
        relativeTolerance: Double = LikelihoodOptimizer.relativeTolerance,
        largestGradient: Double = LikelihoodOptimizer.largestStoppingGradient
    ) -> (point: [Double], value: Double, gradient: [Double], inverseHessian: [[Double]]) {
        let dimension = start.count
        var point = start
        var (value, grad) = evaluateWithGradient(point)
        var inverseHessian = initial ?? identity(dimension)
        var isFirstStep = initial == nil
        for _ in 0..<500 {
            guard value.isFinite, grad.allSatisfy(\.isFinite) else { break }
            if Self.norm(grad) < min(relativeTolerance * max(1, abs(value)), largestGradient) { break }
            var direction = multiply(inverseHessian, grad).map { -$0 }
            var slope = zip(direction, grad).reduce(0) { $0 + $1.0 * $1.1 }
            if !(slope < 0) {
                inverseHessian = identity(dimension)
                direction = grad.map { -$0 }
                slope = zip(direction, grad).reduce(0) { $0 + $1.0 * $1.1 }
            }
            var stepLength = 1.0
            var accepted: (point: [Double], value: Double, gradient: [Double])?
            for _ in 0..<60 {
                let candidate = zip(point, direction).map { $0 + stepLength * $1 }
                let (candidateValue, candidateGradient) = evaluateWithGradient(candidate)
                if candidateValue <= value + 1e-4 * stepLength * slope {
                    accepted = (candidate, candidateValue, candidateGradient)
                    break
                }
                stepLength *= 0.5
            }
            guard let (candidate, candidateValue, newGrad) = accepted, candidateValue <= value else { break }
            let s = zip(candidate, point).map { $0 - $1 }
            let y = zip(newGrad, grad).map { $0 - $1 }
            let progress = value - candidateValue
            point = candidate
            value = candidateValue
            grad = newGrad
            let sy = zip(s, y).reduce(0) { $0 + $1.0 * $1.1 }
            if sy > 1e-300 {
                if isFirstStep {
                    // Scale the initial inverse Hessian to the observed curvature (Nocedal & Wright 6.20).
                    let yy = y.reduce(0) { $0 + $1 * $1 }
                    inverseHessian = identity(dimension).map { row in row.map { $0 * sy / yy } }
                    isFirstStep = false
                }
                // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
                let rho = 1 / sy
                let hy = multiply(inverseHessian, y)
                let yhy = zip(y, hy).reduce(0) { $0 + $1.0 * $1.1 }
                for row in 0..<dimension {
                    for column in 0..<dimension {
                        inverseHessian[row][column] +=
                            (1 + rho * yhy) * rho * s[row] * s[column]
                            - rho * (hy[row] * s[column] + s[row] * hy[column])
                    }
                }
            }
            if !(progress > 0) { break }
        }
        return (point, value, grad, inverseHessian)
    }

    private func identity(_ dimension: Int) -> [[Double]] {
        (0..<dimension).map { row in (0..<dimension).map { $0 == row ? 1 : 0 } }
    }

    private func multiply(_ matrix: [[Double]], _ vector: [Double]) -> [Double] {
        matrix.map { row in zip(row, vector).reduce(0) { $0 + $1.0 * $1.1 } }
    }
}
