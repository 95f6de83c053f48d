/// Constants and FlatBuffer layouts of the Arrow IPC format (`Schema.fbs`, `Message.fbs`, `File.fbs`),
/// limited to what segpipe reads and writes.
enum ArrowFormat {
    /// `ARROW1`, the magic at both ends of an Arrow IPC file.
    static let magic: [UInt8] = Array("ARROW1".utf8)
    /// Marks the start of an encapsulated message (since Arrow 0.15).
    static let continuation = UInt32.max
    /// `MetadataVersion.V5`.
    static let metadataVersion: Int16 = 4
    /// Body buffers start at multiples of this many bytes.
    static let bufferAlignment = 64

    /// `MessageHeader` union members.
    enum MessageHeader {
        static let schema: UInt8 = 1
        static let dictionaryBatch: UInt8 = 2
        static let recordBatch: UInt8 = 3
    }

    /// `Type` union members.
    enum TypeID {
        static let int: UInt8 = 2
        static let floatingPoint: UInt8 = 3
        static let utf8: UInt8 = 5
        static let bool: UInt8 = 6
        static let date: UInt8 = 8
        static let timestamp: UInt8 = 10
        static let largeUTF8: UInt8 = 20

        /// Names of all union members, for error messages.
        static let names = [
            "NONE", "Null", "Int", "FloatingPoint", "Binary", "Utf8", "Bool", "Decimal", "Date", "Time", "Timestamp",
            "Interval", "List", "Struct", "Union", "FixedSizeBinary", "FixedSizeList", "Map", "Duration",
            "LargeBinary", "LargeUtf8", "LargeList", "RunEndEncoded", "BinaryView", "Utf8View", "ListView",
            "LargeListView",
        ]

        static func name(_ id: UInt8) -> String {
            Int(id) < names.count ? names[Int(id)] : "type #\(id)"
        }
    }

    /// Field indices (vtable slots) of the tables used, from the `.fbs` files.
    enum Footer { static let version = 0, schema = 1, dictionaries = 2, recordBatches = 3 }
    enum Message { static let version = 0, headerType = 1, header = 2, bodyLength = 3 }
    enum Schema { static let endianness = 0, fields = 1, customMetadata = 2 }
    enum Field {
        static let name = 0, nullable = 1, typeType = 2, type = 3, dictionary = 4, children = 5
    }
    enum KeyValue { static let key = 0, value = 1 }
    enum IntType { static let bitWidth = 0, isSigned = 1 }
    enum FloatingPoint { static let precision = 0 }
    enum DateType { static let unit = 0 }
    enum TimestampType { static let unit = 0, timezone = 1 }
    enum RecordBatch { static let length = 0, nodes = 1, buffers = 2, compression = 3 }
    enum DictionaryEncoding { static let id = 0, indexType = 1, isOrdered = 2 }
    enum DictionaryBatch { static let id = 0, data = 1, isDelta = 2 }
    enum BodyCompression { static let codec = 0 }

    /// `TimeUnit` values.
    enum TimeUnit {
        static let second: Int16 = 0
        static let millisecond: Int16 = 1
        static let microsecond: Int16 = 2
        static let nanosecond: Int16 = 3
    }

    /// Rounds `value` up to a multiple of `alignment`.
    static func aligned(_ value: Int, to alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }
}

// MARK: - Encoding

extension ArrowFormat {
    /// How one column is laid out on disk.
    struct FieldLayout {
        var name: String
        var type: ColumnType
        /// Whether a `utf8` column uses 64-bit offsets (`large_utf8`).
        var isLarge = false
        /// The dictionary id of a dictionary-encoded `utf8` column (int32 indices, utf8 values), nil for a plain one.
        var dictionaryID: Int64?
    }

    /// Writes a `Schema` table and returns its position.
    static func buildSchema(
        _ builder: inout FlatBufferBuilder, fields: [FieldLayout], metadata: [String: String]
    ) -> FlatBufferBuilder.Offset {
        var fieldOffsets: [FlatBufferBuilder.Offset] = []
        for field in fields {
            let name = builder.createString(field.name)
            let children = builder.createOffsetVector([])
            let (typeID, type) = buildType(&builder, field)
            var encoding: FlatBufferBuilder.Offset?
            if let id = field.dictionaryID {
                builder.startTable()
                builder.add(IntType.bitWidth, Int32(32))
                builder.add(IntType.isSigned, bool: true)
                let indexType = builder.endTable()
                builder.startTable()
                builder.add(DictionaryEncoding.id, id)
                builder.addOffset(DictionaryEncoding.indexType, indexType)
                builder.add(DictionaryEncoding.isOrdered, bool: false)
                encoding = builder.endTable()
            }
            builder.startTable()
            builder.addOffset(Field.name, name)
            builder.add(Field.nullable, bool: true)
            builder.add(Field.typeType, typeID)
            builder.addOffset(Field.type, type)
            if let encoding { builder.addOffset(Field.dictionary, encoding) }
            builder.addOffset(Field.children, children)
            fieldOffsets.append(builder.endTable())
        }
        let fieldVector = builder.createOffsetVector(fieldOffsets)
        var pairs: [FlatBufferBuilder.Offset] = []
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            let keyOffset = builder.createString(key)
            let valueOffset = builder.createString(value)
            builder.startTable()
            builder.addOffset(KeyValue.key, keyOffset)
            builder.addOffset(KeyValue.value, valueOffset)
            pairs.append(builder.endTable())
        }
        let metadataVector = metadata.isEmpty ? nil : builder.createOffsetVector(pairs)
        builder.startTable()
        builder.add(Schema.endianness, Int16(0))
        builder.addOffset(Schema.fields, fieldVector)
        if let metadataVector { builder.addOffset(Schema.customMetadata, metadataVector) }
        return builder.endTable()
    }

    private static func buildType(
        _ builder: inout FlatBufferBuilder, _ field: FieldLayout
    ) -> (UInt8, FlatBufferBuilder.Offset) {
        switch field.type {
        case .int64:
            builder.startTable()
            builder.add(IntType.bitWidth, Int32(64))
            builder.add(IntType.isSigned, bool: true)
            return (TypeID.int, builder.endTable())
        case .float64:
            builder.startTable()
            builder.add(FloatingPoint.precision, Int16(2))
            return (TypeID.floatingPoint, builder.endTable())
        case .utf8:
            builder.startTable()
            return (field.isLarge ? TypeID.largeUTF8 : TypeID.utf8, builder.endTable())
        case .date32:
            builder.startTable()
            builder.add(DateType.unit, Int16(0))
            return (TypeID.date, builder.endTable())
        case .timestamp:
            let timezone = builder.createString("UTC")
            builder.startTable()
            builder.add(TimestampType.unit, TimeUnit.microsecond)
            builder.addOffset(TimestampType.timezone, timezone)
            return (TypeID.timestamp, builder.endTable())
        case .bool:
            builder.startTable()
            return (TypeID.bool, builder.endTable())
        }
    }

    /// Encodes a `Message` with the header built by `header`, returning the finished FlatBuffer.
    static func message(
        headerType: UInt8, bodyLength: Int,
        _ header: (inout FlatBufferBuilder) -> FlatBufferBuilder.Offset
    ) -> [UInt8] {
        var builder = FlatBufferBuilder()
        let headerOffset = header(&builder)
        builder.startTable()
        builder.add(Message.bodyLength, Int64(bodyLength))
        builder.addOffset(Message.header, headerOffset)
        builder.add(Message.version, metadataVersion)
        builder.add(Message.headerType, headerType)
        return builder.finish(root: builder.endTable())
    }
}
