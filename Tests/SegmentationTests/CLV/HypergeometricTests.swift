import Foundation
import Segmentation
import Testing

@Suite struct HypergeometricTests {
    @Test func closedFormsHold() throws {
        // 2F1(1, 1; 2; z) = −ln(1 − z)/z and 2F1(1/2, 1/2; 3/2; z²) = asin(z)/z.
        #expect(abs(try Hypergeometric.f21(1, 1, 2, 0.5) - 2 * log(2.0)) < 1e-15)
        #expect(abs(try Hypergeometric.f21(0.5, 0.5, 1.5, 0.25) - asin(0.5) / 0.5) < 1e-15)
        #expect(try Hypergeometric.f21(3, 4, 5, 0) == 1)
    }

    @Test func matchesScipyValues() throws {
        let reference = try CLVFixtures.reference()
        #expect(reference.hyp2f1.count >= 10)
        for item in reference.hyp2f1 {
            let value = try Hypergeometric.f21(item.a, item.b, item.c, item.z)
            #expect(
                CLVFixtures.relativeDifference(value, item.value) < 1e-12,
                "2F1(\(item.a), \(item.b); \(item.c); \(item.z))")
        }
    }

    @Test func rejectsArgumentsOutsideTheDisc() {
        #expect(throws: CLVError.self) { _ = try Hypergeometric.f21(1, 1, 2, 1) }
        #expect(throws: CLVError.self) { _ = try Hypergeometric.f21(1, 1, -2, 0.5) }
    }
}
