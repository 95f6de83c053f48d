import Foundation

/// A small seeded random number generator (SplitMix64) for reproducible synthetic data.
///
/// Not cryptographic. Every customer gets its own stream derived from the seed and its index, so the
/// output is the same for a seed whatever else changes in the generator's loop.
struct SyntheticRandom {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// A stream for item `index` of a run seeded with `seed`.
    init(seed: UInt64, stream index: UInt64) {
        var mixer = SyntheticRandom(seed: seed ^ 0xA076_1D64_78BD_642F)
        state = mixer.next() ^ (index &* 0x9E37_79B9_7F4A_7C15)
        _ = next()
    }

    /// The next 64 random bits.
    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (`bound` > 0).
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform integer in `range`.
    @inline(__always)
    mutating func within(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A uniform double in `0..<1`.
    @inline(__always)
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// `true` with probability `probability`.
    @inline(__always)
    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// A standard normal variate (Box–Muller).
    mutating func gaussian() -> Double {
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// An index drawn with the given cumulative weights (last element = total).
    mutating func pick(cumulative weights: [Double]) -> Int {
        let target = unit() * (weights.last ?? 1)
        var index = 0
        while index < weights.count - 1 && weights[index] <= target { index += 1 }
        return index
    }
}
