/// What ``SyntheticDataGenerator`` wrote: row counts per file and the dirt and duplicates it planted.
public struct GenerationSummary: Sendable, Codable, Hashable {
    /// Data rows in `customers.csv` (duplicate records and bad rows included).
    public var customerRows: Int
    /// Data rows in `orders.csv` (bad rows and orphans included).
    public var orderRows: Int
    /// Data rows in `email_events.csv` (bad rows included).
    public var emailEventRows: Int
    /// Planted duplicate groups (each an original customer and one duplicate record).
    public var duplicateGroups: Int
    /// Rows in `duplicates_truth.csv` (every customer record of every planted group).
    public var duplicateTruthRows: Int
    /// Customer rows planted as bad (missing id, wrong field count, impossible birth date).
    public var badCustomerRows: Int
    /// Order rows planted as bad (unparseable amount, impossible date, missing customer id, wrong field count).
    public var badOrderRows: Int
    /// Email event rows planted as bad (impossible timestamp, missing customer id, wrong field count).
    public var badEmailEventRows: Int
    /// Well-formed orders of customers that do not exist.
    public var orphanOrderRows: Int

    /// All planted bad rows.
    public var badRows: Int { badCustomerRows + badOrderRows + badEmailEventRows }

    /// Creates a summary.
    public init(
        customerRows: Int = 0, orderRows: Int = 0, emailEventRows: Int = 0, duplicateGroups: Int = 0,
        duplicateTruthRows: Int = 0, badCustomerRows: Int = 0, badOrderRows: Int = 0, badEmailEventRows: Int = 0,
        orphanOrderRows: Int = 0
    ) {
        self.customerRows = customerRows
        self.orderRows = orderRows
        self.emailEventRows = emailEventRows
        self.duplicateGroups = duplicateGroups
        self.duplicateTruthRows = duplicateTruthRows
        self.badCustomerRows = badCustomerRows
        self.badOrderRows = badOrderRows
        self.badEmailEventRows = badEmailEventRows
        self.orphanOrderRows = orphanOrderRows
    }
}
