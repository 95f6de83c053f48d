import Columnar

/// The canonical input tables (DESIGN.md "Canonical input") and how each field is typed on extract.
public enum CanonicalSchema {
    /// How a CSV field is parsed.
    public enum FieldKind: Sendable {
        /// Text kept as is (trimmed of surrounding whitespace).
        case text
        /// A calendar date in any supported format.
        case date
        /// A point in time; a date alone means midnight UTC.
        case timestamp
        /// A decimal number with `.` or `,` as decimal separator, thousands separators and currency stripped.
        case decimal
        /// A whole number.
        case integer

        /// The column type the field is stored as.
        var columnType: ColumnType {
            switch self {
            case .text: .utf8
            case .date: .date32
            case .timestamp: .timestamp
            case .decimal: .float64
            case .integer: .int64
            }
        }
    }

    /// One canonical field.
    public struct Field: Sendable {
        public let name: String
        public let kind: FieldKind
        /// Whether an empty value rejects the row.
        public let isRequired: Bool
    }

    /// One canonical table.
    public struct TableSchema: Sendable {
        public let name: String
        public let fields: [Field]
        /// Text fields with few distinct values (currencies, statuses, event types, …), which extract writes
        /// dictionary-encoded into its checkpoint (see ``SourceSink``).
        public var codedFields: Set<String> = []
    }

    /// `customers`.
    public static let customers = TableSchema(
        name: "customers",
        fields: [
            Field(name: "customer_id", kind: .text, isRequired: true),
            Field(name: "email", kind: .text, isRequired: false),
            Field(name: "first_name", kind: .text, isRequired: false),
            Field(name: "last_name", kind: .text, isRequired: false),
            Field(name: "phone", kind: .text, isRequired: false),
            Field(name: "birth_date", kind: .date, isRequired: false),
            Field(name: "city", kind: .text, isRequired: false),
            Field(name: "postal_code", kind: .text, isRequired: false),
            Field(name: "country", kind: .text, isRequired: false),
            Field(name: "signup_date", kind: .date, isRequired: false),
            Field(name: "acquisition_channel", kind: .text, isRequired: false),
        ])

    /// `orders`.
    public static let orders = TableSchema(
        name: "orders",
        fields: [
            Field(name: "order_id", kind: .text, isRequired: true),
            Field(name: "customer_id", kind: .text, isRequired: true),
            Field(name: "order_date", kind: .date, isRequired: true),
            Field(name: "amount", kind: .decimal, isRequired: true),
            Field(name: "currency", kind: .text, isRequired: false),
            Field(name: "category", kind: .text, isRequired: false),
            Field(name: "quantity", kind: .integer, isRequired: false),
            Field(name: "status", kind: .text, isRequired: false),
        ],
        codedFields: ["currency", "category", "status"])

    /// `email_events`.
    public static let emailEvents = TableSchema(
        name: "email_events",
        fields: [
            Field(name: "customer_id", kind: .text, isRequired: true),
            Field(name: "campaign_id", kind: .text, isRequired: false),
            Field(name: "event_type", kind: .text, isRequired: true),
            Field(name: "event_time", kind: .timestamp, isRequired: true),
        ],
        codedFields: ["campaign_id", "event_type"])

    /// Name of the column holding each row's 1-based source line, kept through clean for reject messages.
    public static let lineColumn = "source_line"
}
