/// An error from computing CLV summary statistics or fitting the BG/NBD and Gamma-Gamma models.
///
/// The features stage wraps it in a ``PipelineError`` when a run cannot continue.
public struct CLVError: Error, Sendable, CustomStringConvertible {
    /// A category of CLV failure; new categories may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidInput, insufficientData, notConverged
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Arrays of unequal length, a customer index out of range, a negative or fractional frequency,
        /// a recency beyond the customer's age, or a non-finite value.
        public static let invalidInput = Code(.invalidInput)
        /// Too few customers (or too few repeat customers) to identify the model's parameters.
        public static let insufficientData = Code(.insufficientData)
        /// The maximum-likelihood search or a series did not converge to a finite optimum.
        public static let notConverged = Code(.notConverged)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong, where, and how to fix it.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "CLV \(code): \(message)" }
}
