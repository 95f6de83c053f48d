/// A pipeline definition, decoded from a YAML file under `pipelines/`.
///
/// Every section has defaults, so a minimal pipeline names only its sources. Unknown keys are rejected
/// with their line and column (see ``PipelineConfiguration/load(path:)``).
public struct PipelineConfiguration: Sendable, Codable, Hashable {
    /// The pipeline's name; it keys the lock and is recorded with every run.
    public var name: String
    /// Where customers, orders and email events come from.
    public var sources: Sources
    /// Cleaning and validation settings.
    public var clean: Clean
    /// Deduplication settings.
    public var dedupe: Dedupe
    /// Feature settings.
    public var features: Features
    /// Segmentation settings.
    public var segment: Segment
    /// Load target settings.
    public var load: Load
    /// Priority-ordered business rules that put every customer in a named segment, if any.
    public var rules: RuleSetConfiguration?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, sources, clean, dedupe, features, segment, load, rules
    }

    /// Creates a configuration.
    public init(
        name: String, sources: Sources, clean: Clean = Clean(), dedupe: Dedupe = Dedupe(),
        features: Features = Features(), segment: Segment = Segment(), load: Load = Load()
    ) {
        self.name = name
        self.sources = sources
        self.clean = clean
        self.dedupe = dedupe
        self.features = features
        self.segment = segment
        self.load = load
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        sources = try container.decode(Sources.self, forKey: .sources)
        clean = try container.decodeIfPresent(Clean.self, forKey: .clean) ?? Clean()
        dedupe = try container.decodeIfPresent(Dedupe.self, forKey: .dedupe) ?? Dedupe()
        features = try container.decodeIfPresent(Features.self, forKey: .features) ?? Features()
        segment = try container.decodeIfPresent(Segment.self, forKey: .segment) ?? Segment()
        load = try container.decodeIfPresent(Load.self, forKey: .load) ?? Load()
        rules = try container.decodeIfPresent(RuleSetConfiguration.self, forKey: .rules)
    }
}

// MARK: - Sources

extension PipelineConfiguration {
    /// The three canonical inputs.
    public struct Sources: Sendable, Codable, Hashable {
        /// Customer master data (required).
        public var customers: Source
        /// Orders (required).
        public var orders: Source
        /// Email events (optional: a shop without an email tool still gets segments).
        public var emailEvents: Source?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case customers, orders
            case emailEvents = "email_events"
        }

        /// Creates the sources.
        public init(customers: Source, orders: Source, emailEvents: Source? = nil) {
            self.customers = customers
            self.orders = orders
            self.emailEvents = emailEvents
        }
    }

    /// One source: CSV files (a path or glob, plain or `.gz`) or a PostgreSQL table or query.
    public struct Source: Sendable, Codable, Hashable {
        /// CSV file path or glob (`orders_2025-*.csv`); relative paths resolve against `--data-dir`.
        public var path: String?
        /// PostgreSQL table (`schema.table` or `table`) read with COPY; alternative to `path`.
        public var table: String?
        /// PostgreSQL query read with COPY; alternative to `path` and `table`.
        public var query: String?
        /// Row filter (SQL) applied to `table`.
        public var filter: String?
        /// Name of the environment variable holding this source's connection string; defaults to the
        /// pipeline's database (`--database-url`, `DATABASE_URL`, libpq defaults).
        public var databaseEnv: String?
        /// Field delimiter: `,`, `;`, `tab` or `|`.
        public var delimiter: String
        /// Quote character.
        public var quote: String
        /// Whether the first line names the columns.
        public var header: Bool
        /// Text encoding: `utf-8`, `windows-1252` or `latin-1`.
        public var encoding: String
        /// Whether a missing file is an error (`true`) or an empty table (`false`).
        public var required: Bool
        /// Canonical column name → source column name (or 1-based position for files without a header).
        public var columns: [String: String]
        /// How dates and decimals are written.
        public var formats: Formats

        enum CodingKeys: String, CodingKey, CaseIterable {
            case path, table, query, delimiter, quote, header, encoding, required, columns, formats
            case filter = "where"
            case databaseEnv = "database_env"
        }

        /// Creates a CSV source.
        public init(
            path: String, delimiter: String = ",", encoding: String = "utf-8", required: Bool = true,
            columns: [String: String] = [:], formats: Formats = Formats()
        ) {
            self.path = path
            self.delimiter = delimiter
            self.quote = "\""
            self.header = true
            self.encoding = encoding
            self.required = required
            self.columns = columns
            self.formats = formats
        }

        /// Creates a PostgreSQL source from a table (with an optional filter) or a query.
        public init(table: String? = nil, query: String? = nil, filter: String? = nil, columns: [String: String] = [:]) {
            self.table = table
            self.query = query
            self.filter = filter
            self.delimiter = ","
            self.quote = "\""
            self.header = true
            self.encoding = "utf-8"
            self.required = true
            self.columns = columns
            self.formats = Formats()
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.decodeIfPresent(String.self, forKey: .path)
            table = try container.decodeIfPresent(String.self, forKey: .table)
            query = try container.decodeIfPresent(String.self, forKey: .query)
            filter = try container.decodeIfPresent(String.self, forKey: .filter)
            databaseEnv = try container.decodeIfPresent(String.self, forKey: .databaseEnv)
            delimiter = try container.decodeIfPresent(String.self, forKey: .delimiter) ?? ","
            quote = try container.decodeIfPresent(String.self, forKey: .quote) ?? "\""
            header = try container.decodeIfPresent(Bool.self, forKey: .header) ?? true
            encoding = try container.decodeIfPresent(String.self, forKey: .encoding) ?? "utf-8"
            required = try container.decodeIfPresent(Bool.self, forKey: .required) ?? true
            columns = try container.decodeIfPresent([String: String].self, forKey: .columns) ?? [:]
            formats = try container.decodeIfPresent(Formats.self, forKey: .formats) ?? Formats()
        }

        /// Whether the source is read from PostgreSQL.
        public var isDatabase: Bool { table != nil || query != nil }

        /// A short name for messages and rejects: the path, the table or `query`.
        public var displayName: String { path ?? table ?? "query" }
    }

    /// How dates and decimal numbers are written in a source.
    public struct Formats: Sendable, Codable, Hashable {
        /// `auto`, `yyyy-MM-dd`, `dd.MM.yyyy`, `MM/dd/yyyy` or `yyyyMMdd`.
        public var date: String
        /// `auto`, `point` (1,234.56) or `comma` (1.234,56).
        public var decimal: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case date, decimal
        }

        /// Creates formats; the defaults recognise each value's format by its shape.
        public init(date: String = "auto", decimal: String = "auto") {
            self.date = date
            self.decimal = decimal
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            date = try container.decodeIfPresent(String.self, forKey: .date) ?? "auto"
            decimal = try container.decodeIfPresent(String.self, forKey: .decimal) ?? "auto"
        }

        /// The parser's date format, or nil for an unknown name.
        public var dateFormat: DateFormat? {
            switch date.lowercased() {
            case "auto": .auto
            case "yyyy-mm-dd", "iso": .iso
            case "dd.mm.yyyy", "german": .german
            case "mm/dd/yyyy", "us": .us
            case "yyyymmdd", "compact": .compact
            default: nil
            }
        }

        /// The parser's decimal style, or nil for an unknown name.
        public var decimalStyle: DecimalStyle? { DecimalStyle(rawValue: decimal.lowercased()) }
    }
}

// MARK: - Clean

extension PipelineConfiguration {
    /// Cleaning and validation settings.
    public struct Clean: Sendable, Codable, Hashable {
        /// Largest share of rejected rows per table (0…1) before the run fails with exit code 3.
        public var maxRejectRate: Double
        /// Conversion rates into the reporting currency (`EUR: 1.0`, `CHF: 1.04`); other currencies are rejected.
        public var currencyRates: [String: Double]
        /// Which raw order statuses count as completed, returned or cancelled (case-insensitive).
        public var orderStatus: OrderStatusMapping
        /// Country (ISO alpha-2) whose dialling rules apply to phone numbers without a country code, when the
        /// customer's own country is unknown.
        public var defaultRegion: String
        /// Per `table.field` (customers' text fields): `keep` (null, the default), `reject` or `default:VALUE`.
        public var missingValues: [String: String]
        /// Orders and events of customers missing from the customers source: `reject` (the default) or
        /// `placeholder:ID`, which keeps them under a placeholder customer with that id.
        public var unknownCustomers: String

        /// The placeholder customer id when `unknown_customers` asks for one.
        public var placeholderCustomer: String? {
            unknownCustomers.hasPrefix("placeholder:") ? String(unknownCustomers.dropFirst("placeholder:".count)) : nil
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxRejectRate = "max_reject_rate"
            case currencyRates = "currency_rates"
            case orderStatus = "order_status"
            case defaultRegion = "default_region"
            case missingValues = "missing_values"
            case unknownCustomers = "unknown_customers"
        }

        /// Creates cleaning settings.
        public init(
            maxRejectRate: Double = 0.05, currencyRates: [String: Double] = ["EUR": 1.0],
            orderStatus: OrderStatusMapping = OrderStatusMapping(), defaultRegion: String = "DE",
            missingValues: [String: String] = [:], unknownCustomers: String = "reject"
        ) {
            self.maxRejectRate = maxRejectRate
            self.currencyRates = currencyRates
            self.orderStatus = orderStatus
            self.defaultRegion = defaultRegion
            self.missingValues = missingValues
            self.unknownCustomers = unknownCustomers
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Clean()
            maxRejectRate = try container.decodeIfPresent(Double.self, forKey: .maxRejectRate) ?? defaults.maxRejectRate
            currencyRates =
                try container.decodeIfPresent([String: Double].self, forKey: .currencyRates) ?? defaults.currencyRates
            orderStatus =
                try container.decodeIfPresent(OrderStatusMapping.self, forKey: .orderStatus) ?? defaults.orderStatus
            defaultRegion = try container.decodeIfPresent(String.self, forKey: .defaultRegion) ?? defaults.defaultRegion
            missingValues = try container.decodeIfPresent([String: String].self, forKey: .missingValues) ?? [:]
            unknownCustomers = try container.decodeIfPresent(String.self, forKey: .unknownCustomers) ?? "reject"
        }
    }

    /// Raw order status values per canonical status.
    public struct OrderStatusMapping: Sendable, Codable, Hashable {
        /// Statuses of orders that count towards revenue and frequency.
        public var completed: [String]
        /// Statuses of returned orders (kept, excluded from revenue).
        public var returned: [String]
        /// Statuses of cancelled orders (kept, excluded from revenue).
        public var cancelled: [String]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case completed, returned, cancelled
        }

        /// Creates a mapping; the defaults cover common English and German shop statuses.
        public init(
            completed: [String] = [
                "completed", "complete", "paid", "shipped", "delivered", "abgeschlossen",
                "bezahlt", "versendet", "geliefert", "",
            ],
            returned: [String] = ["returned", "return", "retoure", "zurückgesendet"],
            cancelled: [String] = ["cancelled", "canceled", "storniert", "abgebrochen"]
        ) {
            self.completed = completed
            self.returned = returned
            self.cancelled = cancelled
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = OrderStatusMapping()
            completed = try container.decodeIfPresent([String].self, forKey: .completed) ?? defaults.completed
            returned = try container.decodeIfPresent([String].self, forKey: .returned) ?? defaults.returned
            cancelled = try container.decodeIfPresent([String].self, forKey: .cancelled) ?? defaults.cancelled
        }
    }
}

// MARK: - Dedupe

extension PipelineConfiguration {
    /// Deduplication settings.
    public struct Dedupe: Sendable, Codable, Hashable {
        /// The rules to apply: `email` and `phone` (exact, on normalised values) and `fuzzy` (blocked, scored).
        /// `phone` is off by default: households and companies share numbers; fuzzy matching weighs phones anyway.
        public var rules: [String]
        /// Fuzzy match score (0…1) at or above which two records are the same customer.
        public var threshold: Double
        /// Blocks larger than this are not compared pairwise (they are reported).
        public var maxBlockSize: Int
        /// Merges that would make a group larger than this are refused (and reported).
        public var maxGroupSize: Int
        /// Per customer field, which record's value the merged customer keeps: `most_recent` (the most recently
        /// signed-up record with a value; the default), `oldest`, `smallest_id`, `longest`, or for dates
        /// `earliest` and `latest` (`signup_date` defaults to `earliest`).
        public var survivorship: [String: String]
        /// Whether dedupe writes the orders and email events, their customer ids merged, into its checkpoint
        /// (default true). When false it writes the merged customers, the id map and `merged_rows` (the merged
        /// customer's row of each clean customer), and the features stage reads clean's orders and events and finds
        /// their customers through `merged_rows`: a nightly run writes and reads about 1.2 GB less per million
        /// customers, with the same features, but dedupe's checkpoint then has no `orders` or `email_events` table.
        public var writeOrdersAndEvents: Bool

        enum CodingKeys: String, CodingKey, CaseIterable {
            case rules, threshold, survivorship
            case maxBlockSize = "max_block_size"
            case maxGroupSize = "max_group_size"
            case writeOrdersAndEvents = "write_orders_and_events"
        }

        /// Creates deduplication settings.
        public init(
            rules: [String] = ["email", "fuzzy"], threshold: Double = 0.75, maxBlockSize: Int = 500,
            maxGroupSize: Int = 5, survivorship: [String: String] = [:], writeOrdersAndEvents: Bool = true
        ) {
            self.rules = rules
            self.threshold = threshold
            self.maxBlockSize = maxBlockSize
            self.maxGroupSize = maxGroupSize
            self.survivorship = survivorship
            self.writeOrdersAndEvents = writeOrdersAndEvents
        }

        /// Encodes the settings; `write_orders_and_events` only when false, so that the configuration digest of a
        /// pipeline that does not set it (and its checkpoints' validity) is what it was before the setting existed.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(rules, forKey: .rules)
            try container.encode(threshold, forKey: .threshold)
            try container.encode(maxBlockSize, forKey: .maxBlockSize)
            try container.encode(maxGroupSize, forKey: .maxGroupSize)
            try container.encode(survivorship, forKey: .survivorship)
            if !writeOrdersAndEvents { try container.encode(false, forKey: .writeOrdersAndEvents) }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Dedupe()
            rules = try container.decodeIfPresent([String].self, forKey: .rules) ?? defaults.rules
            threshold = try container.decodeIfPresent(Double.self, forKey: .threshold) ?? defaults.threshold
            maxBlockSize = try container.decodeIfPresent(Int.self, forKey: .maxBlockSize) ?? defaults.maxBlockSize
            maxGroupSize = try container.decodeIfPresent(Int.self, forKey: .maxGroupSize) ?? defaults.maxGroupSize
            survivorship = try container.decodeIfPresent([String: String].self, forKey: .survivorship) ?? [:]
            writeOrdersAndEvents =
                try container.decodeIfPresent(Bool.self, forKey: .writeOrdersAndEvents) ?? defaults.writeOrdersAndEvents
        }
    }
}

// MARK: - Features

extension PipelineConfiguration {
    /// Feature settings.
    public struct Features: Sendable, Codable, Hashable {
        /// The features that feed clustering, in matrix column order.
        public var clustering: [String]
        /// Per-feature transform before scaling: `log1p` or `none` (default `log1p` for every feature).
        public var transforms: [String: String]
        /// Per-feature weights applied after scaling (default 1).
        public var weights: [String: Double]
        /// Per-feature winsorising before the transform: `0.99` clips at the 1st and 99th percentile, `upper:0.99`
        /// only at the 99th (the fraction must lie in (0.5, 1)).
        public var winsorize: [String: String]
        /// Scaling of every clustering feature: `zscore` (default) or `robust` (median and interquartile range).
        public var scaling: String
        /// Per-feature scaling overriding ``scaling``.
        public var scalingByFeature: [String: String]
        /// Categorical attributes that feed clustering as weighted one-hot columns, with their weights.
        public var categorical: [String: Double]
        /// The most frequent values of a categorical attribute that get their own column; the rest share `other`.
        public var maxCategories: Int
        /// Whether order aggregates are computed by the orders source's PostgreSQL server (database sources only).
        public var pushdown: Bool
        /// Whether the CLV models (BG/NBD and Gamma-Gamma) are fitted and predicted CLV computed (default true);
        /// when false, `predicted_clv_12m`, `expected_purchases_12m` and `probability_alive` are null.
        public var predictCLV: Bool

        enum CodingKeys: String, CodingKey, CaseIterable {
            case clustering, transforms, weights, winsorize, scaling, categorical, pushdown
            case maxCategories = "max_categories"
            case predictCLV = "predict_clv"
        }

        /// Creates feature settings.
        public init(
            clustering: [String] = ["recency_days", "frequency", "monetary_total"],
            transforms: [String: String] = [:], weights: [String: Double] = [:], winsorize: [String: String] = [:],
            scaling: String = "zscore", scalingByFeature: [String: String] = [:], categorical: [String: Double] = [:],
            maxCategories: Int = 10, pushdown: Bool = false, predictCLV: Bool = true
        ) {
            self.clustering = clustering
            self.transforms = transforms
            self.weights = weights
            self.winsorize = winsorize
            self.scaling = scaling
            self.scalingByFeature = scalingByFeature
            self.categorical = categorical
            self.maxCategories = maxCategories
            self.pushdown = pushdown
            self.predictCLV = predictCLV
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Features()
            clustering = try container.decodeIfPresent([String].self, forKey: .clustering) ?? defaults.clustering
            transforms = try container.decodeIfPresent([String: String].self, forKey: .transforms) ?? [:]
            weights = try container.decodeIfPresent([String: Double].self, forKey: .weights) ?? [:]
            winsorize = try container.decodeIfPresent([String: String].self, forKey: .winsorize) ?? [:]
            if let byFeature = try? container.decodeIfPresent([String: String].self, forKey: .scaling) {
                scaling = defaults.scaling
                scalingByFeature = byFeature
            } else {
                scaling = try container.decodeIfPresent(String.self, forKey: .scaling) ?? defaults.scaling
                scalingByFeature = [:]
            }
            categorical = try container.decodeIfPresent([String: Double].self, forKey: .categorical) ?? [:]
            maxCategories = try container.decodeIfPresent(Int.self, forKey: .maxCategories) ?? defaults.maxCategories
            pushdown = try container.decodeIfPresent(Bool.self, forKey: .pushdown) ?? defaults.pushdown
            predictCLV = try container.decodeIfPresent(Bool.self, forKey: .predictCLV) ?? defaults.predictCLV
        }

        /// Encodes the settings; keys at their defaults that older files lacked are left out, so configuration
        /// digests of existing pipelines stay the same.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(clustering, forKey: .clustering)
            try container.encode(transforms, forKey: .transforms)
            try container.encode(weights, forKey: .weights)
            if !winsorize.isEmpty { try container.encode(winsorize, forKey: .winsorize) }
            if !scalingByFeature.isEmpty {
                try container.encode(scalingByFeature, forKey: .scaling)
            } else if scaling != "zscore" {
                try container.encode(scaling, forKey: .scaling)
            }
            if !categorical.isEmpty { try container.encode(categorical, forKey: .categorical) }
            if maxCategories != 10 { try container.encode(maxCategories, forKey: .maxCategories) }
            if pushdown { try container.encode(pushdown, forKey: .pushdown) }
            if !predictCLV { try container.encode(predictCLV, forKey: .predictCLV) }
        }

        /// The scaling method of a clustering feature: its own setting, else the global one.
        public func scaling(of feature: String) -> String { scalingByFeature[feature] ?? scaling }
    }
}

// MARK: - Segment

extension PipelineConfiguration {
    /// Segmentation settings.
    public struct Segment: Sendable, Codable, Hashable {
        /// The clustering method: `kmeans` or `hierarchical`.
        public var method: String
        /// Number of segments, or nil for `k: auto` (chosen by silhouette over `k_min…k_max`).
        public var k: Int?
        /// Smallest k tried by `k: auto`.
        public var kMin: Int
        /// Largest k tried by `k: auto`.
        public var kMax: Int
        /// Linkage of hierarchical clustering: `ward`, `complete`, `average` or `single`.
        public var linkage: String
        /// Seed of the random initialisation, so reruns give identical segments.
        public var seed: UInt64
        /// Number of k-means++ restarts; the lowest inertia wins.
        public var restarts: Int
        /// Iteration cap per restart.
        public var maxIterations: Int
        /// Whether segment ids follow the previous run's segments (matched by centroid), so an id keeps its meaning.
        public var stableIDs: Bool
        /// Above this many customers, hierarchical clustering runs in two stages (k-means micro-clusters, then
        /// weighted linkage on them) instead of on every customer.
        public var hierarchicalMaxPoints: Int
        /// Number of micro-clusters of the two-stage mode.
        public var microClusters: Int
        /// Score this run with an earlier run's model instead of clustering anew: `previous` (the latest earlier run
        /// of the pipeline with a segment checkpoint) or a run id. Customers go to the nearest of that run's
        /// segment centroids, with its transform parameters (imputation, winsorising cuts, centre, scale, weights,
        /// categories); nil fits a new model.
        public var scoreWith: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case method, k, linkage, seed, restarts
            case kMin = "k_min"
            case kMax = "k_max"
            case maxIterations = "max_iterations"
            case stableIDs = "stable_ids"
            case hierarchicalMaxPoints = "hierarchical_max_points"
            case microClusters = "micro_clusters"
            case scoreWith = "score_with"
        }

        /// Creates segmentation settings.
        public init(
            method: String = "kmeans", k: Int? = 5, seed: UInt64 = 42, restarts: Int = 4, maxIterations: Int = 300
        ) {
            self.method = method
            self.k = k
            self.kMin = 2
            self.kMax = 10
            self.linkage = "ward"
            self.seed = seed
            self.restarts = restarts
            self.maxIterations = maxIterations
            self.stableIDs = true
            self.hierarchicalMaxPoints = 20_000
            self.microClusters = 1_000
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Segment()
            method = try container.decodeIfPresent(String.self, forKey: .method) ?? defaults.method
            if let text = try? container.decodeIfPresent(String.self, forKey: .k), Int(text) == nil {
                guard text == "auto" else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .k, in: container, debugDescription: "expected a whole number or auto, found \"\(text)\"")
                }
                k = nil
            } else {
                k = try container.decodeIfPresent(Int.self, forKey: .k) ?? defaults.k
            }
            kMin = try container.decodeIfPresent(Int.self, forKey: .kMin) ?? defaults.kMin
            kMax = try container.decodeIfPresent(Int.self, forKey: .kMax) ?? defaults.kMax
            linkage = try container.decodeIfPresent(String.self, forKey: .linkage) ?? defaults.linkage
            seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed
            restarts = try container.decodeIfPresent(Int.self, forKey: .restarts) ?? defaults.restarts
            maxIterations = try container.decodeIfPresent(Int.self, forKey: .maxIterations) ?? defaults.maxIterations
            stableIDs = try container.decodeIfPresent(Bool.self, forKey: .stableIDs) ?? defaults.stableIDs
            hierarchicalMaxPoints =
                try container.decodeIfPresent(Int.self, forKey: .hierarchicalMaxPoints) ?? defaults.hierarchicalMaxPoints
            microClusters = try container.decodeIfPresent(Int.self, forKey: .microClusters) ?? defaults.microClusters
            scoreWith = try container.decodeIfPresent(String.self, forKey: .scoreWith)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(method, forKey: .method)
            if let k { try container.encode(k, forKey: .k) } else { try container.encode("auto", forKey: .k) }
            try container.encode(kMin, forKey: .kMin)
            try container.encode(kMax, forKey: .kMax)
            try container.encode(linkage, forKey: .linkage)
            try container.encode(seed, forKey: .seed)
            try container.encode(restarts, forKey: .restarts)
            try container.encode(maxIterations, forKey: .maxIterations)
            try container.encode(stableIDs, forKey: .stableIDs)
            try container.encode(hierarchicalMaxPoints, forKey: .hierarchicalMaxPoints)
            try container.encode(microClusters, forKey: .microClusters)
            // Only when set, so pipelines without it keep their configuration digest.
            try container.encodeIfPresent(scoreWith, forKey: .scoreWith)
        }
    }
}

// MARK: - Load

extension PipelineConfiguration {
    /// Load target settings.
    public struct Load: Sendable, Codable, Hashable {
        /// The PostgreSQL schema that receives the result tables.
        public var schema: String
        /// How many published runs to keep; older runs are deleted after a successful load (0 keeps all).
        public var keepRuns: Int
        /// A role granted read access to the schema (usage, SELECT on tables and views), if any.
        public var readRole: String?
        /// Whether `customer_features` gets `email_hash` and `phone_hash`: keyed HMAC-SHA256 of the normalised
        /// email and phone, with the key from `SEGPIPE_PSEUDONYM_KEY`, so analysts can count and join on contact
        /// data without seeing it.
        public var pseudonymizeContacts: Bool

        enum CodingKeys: String, CodingKey, CaseIterable {
            case schema
            case keepRuns = "keep_runs"
            case readRole = "read_role"
            case pseudonymizeContacts = "pseudonymize_contacts"
        }

        /// Creates load settings.
        public init(
            schema: String = "segpipe", keepRuns: Int = 0, readRole: String? = nil, pseudonymizeContacts: Bool = false
        ) {
            self.schema = schema
            self.keepRuns = keepRuns
            self.readRole = readRole
            self.pseudonymizeContacts = pseudonymizeContacts
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            schema = try container.decodeIfPresent(String.self, forKey: .schema) ?? "segpipe"
            keepRuns = try container.decodeIfPresent(Int.self, forKey: .keepRuns) ?? 0
            readRole = try container.decodeIfPresent(String.self, forKey: .readRole)
            pseudonymizeContacts = try container.decodeIfPresent(Bool.self, forKey: .pseudonymizeContacts) ?? false
        }
    }
}
