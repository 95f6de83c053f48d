internal import CLibPQ

/// Sends the data of a `COPY … FROM STDIN` to the server, in chunks of about 1 MiB.
///
/// Handed to the body of `PostgresConnection.copyIn(_:_:)`; only valid during that call. Small writes are
/// gathered into a buffer and sent (`PQputCopyData`) once it holds `chunkSize` bytes; writes of at least that
/// size go out directly. The data must be in the COPY statement's format (text, CSV or binary).
public struct CopyInWriter {
    /// The number of bytes gathered before they are sent.
    public static let chunkSize = 1 << 20

    private let connection: OpaquePointer
    private var pending: [UInt8]
    /// The number of bytes handed to libpq so far.
    public private(set) var bytesSent: Int = 0
    /// Set when libpq refused data, so `copyIn` reports the server's error rather than libpq's.
    private(set) var hasFailed = false

    init(connection: OpaquePointer) {
        self.connection = connection
        pending = []
        pending.reserveCapacity(Self.chunkSize)
    }

    /// Writes bytes of COPY data.
    /// - Throws: `PostgresError(.copy)` when the connection fails or the server has ended the COPY.
    public mutating func write(_ data: UnsafeRawBufferPointer) throws {
        if pending.isEmpty && data.count >= Self.chunkSize {
            try send(data)
            return
        }
        pending.append(contentsOf: data)
        if pending.count >= Self.chunkSize { try flush() }
    }

    /// Writes bytes of COPY data, such as `BinaryCopyEncoder.bytes`.
    public mutating func write(_ data: [UInt8]) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    /// Writes text of COPY data (UTF-8), such as a row in text or CSV format.
    public mutating func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Sends what is gathered.
    public mutating func flush() throws {
        guard !pending.isEmpty else { return }
        let pending = self.pending
        try pending.withUnsafeBytes { try send($0) }
        self.pending.removeAll(keepingCapacity: true)
    }

    private mutating func send(_ data: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < data.count {
            let count = min(data.count - offset, Int(Int32.max))
            let status =
                data.baseAddress.map { base in
                    PQputCopyData(connection, (base + offset).assumingMemoryBound(to: CChar.self), Int32(count))
                } ?? 1
            guard status == 1 else {
                hasFailed = true
                let reason = PostgresConnection.text(PQerrorMessage(connection))
                throw PostgresError(.copy, "sending COPY data failed: \(reason)")
            }
            offset += count
        }
        bytesSent += data.count
    }
}
