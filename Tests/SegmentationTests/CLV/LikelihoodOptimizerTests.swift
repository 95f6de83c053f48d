import Foundation
import Testing

@testable import Segmentation

@Suite struct LikelihoodOptimizerTests {
    @Test func bfgsFindsTheRosenbrockMinimum() {
        let result = LikelihoodOptimizer.minimize(start: [-1.2, 1]) { point in
            let (x, y) = (point[0], point[1])
            let value = (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
            let gradient = [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]
            return (value, gradient)
        }
        #expect(abs(result.point[0] - 1) < 1e-6)
        #expect(abs(result.point[1] - 1) < 1e-6)
    }

    @Test func nelderMeadTakesOverWhenTheGradientMisleads() {
        // The gradient is deliberately wrong, so BFGS stalls and the simplex search must find the minimum.
        let result = LikelihoodOptimizer.minimize(start: [0, 0, 0]) { point in
            let value = (point[0] - 3) * (point[0] - 3) + (point[1] + 1) * (point[1] + 1) + 2 * point[2] * point[2]
            return (value, [1, 1, 1])
        }
        #expect(abs(result.point[0] - 3) < 1e-4)
        #expect(abs(result.point[1] + 1) < 1e-4)
        #expect(abs(result.point[2]) < 1e-4)
    }

    @Test func digammaMatchesKnownValues() {
        // ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2, ψ(10) = H₉ − γ.
        let eulerGamma = 0.577_215_664_901_532_9
        #expect(abs(digamma(1) + eulerGamma) < 1e-13)
        #expect(abs(digamma(0.5) + eulerGamma + 2 * log(2.0)) < 1e-13)
        let harmonic9 = (1...9).reduce(0.0) { $0 + 1 / Double($1) }
        #expect(abs(digamma(10) - (harmonic9 - eulerGamma)) < 1e-13)
    }
}
