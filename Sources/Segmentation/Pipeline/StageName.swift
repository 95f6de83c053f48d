/// The stages of a pipeline run, in execution order.
public enum StageName: String, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case extract, clean, dedupe, features, segment, load

    /// The stage whose checkpoint this stage reads, if any.
    public var upstream: StageName? {
        switch self {
        case .extract: nil
        case .clean: .extract
        case .dedupe: .clean
        case .features: .dedupe
        case .segment: .features
        case .load: .segment
        }
    }

    /// Stages whose outputs this stage reads (load reads several).
    public var inputs: [StageName] {
        switch self {
        case .extract: []
        case .clean: [.extract]
        case .dedupe: [.clean]
        case .features: [.dedupe]
        case .segment: [.features]
        case .load: [.extract, .clean, .dedupe, .features, .segment]
        }
    }

    /// Position in the run.
    public var index: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: StageName, rhs: StageName) -> Bool { lhs.index < rhs.index }

    public var description: String { rawValue }
}
