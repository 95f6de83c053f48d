#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes generated CSV text through a large byte buffer, formatting numbers and dates by hand.
///
/// Appends are unchecked; ``endRow()`` flushes when the buffer is nearly full, so a row must stay below
/// ``rowLimit`` bytes. Without a path the bytes collect in ``memory`` instead of a file.
final class GeneratedFileWriter {
    static let rowLimit = 64 << 10
    private static let capacity = 4 << 20

    let path: String?
    private let descriptor: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0
    /// The bytes written so far, when writing to memory.
    private(set) var memory: [UInt8] = []
    /// Rows ended so far.
    private(set) var rows = 0

    /// Creates (or truncates) the file at `path`, or collects in memory when `path` is `nil`.
    init(path: String?) throws {
        self.path = path
        if let path {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                let reason = String(cString: strerror(errno))
                throw PipelineError(
                    .io, "cannot create \(path): \(reason); check the directory exists and is writable")
            }
        } else {
            descriptor = -1
        }
        buffer = .allocate(capacity: Self.capacity + Self.rowLimit)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        buffer.deallocate()
    }

    // MARK: - Appending

    @inline(__always)
    func byte(_ value: UInt8) {
        buffer[count] = value
        count += 1
    }

    @inline(__always)
    func bytes(_ values: [UInt8]) {
        values.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            (buffer + count).update(from: base, count: source.count)
            count += source.count
        }
    }

    func text(_ value: String) {
        var value = value
        value.withUTF8 { source in
            guard let base = source.baseAddress else { return }
            (buffer + count).update(from: base, count: source.count)
            count += source.count
        }
    }

    /// Appends `value` as a CSV field, quoting it when it holds a comma, quote or line break.
    func field(_ value: [UInt8]) {
        var needsQuotes = false
        for byte in value where byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        guard needsQuotes else {
            bytes(value)
            return
        }
        byte(0x22)
        for byte in value {
            if byte == 0x22 { self.byte(0x22) }
            self.byte(byte)
        }
        byte(0x22)
    }

    /// Appends a comma.
    @inline(__always)
    func comma() {
        byte(0x2C)
    }

    /// Appends a non-negative integer, left-padded with zeros to `width` digits.
    @inline(__always)
    func integer(_ value: Int, width: Int = 1) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let length = max(digits, width)
        var index = count + length - 1
        var remaining = value
        while index >= count {
            buffer[index] = UInt8(truncatingIfNeeded: remaining % 10) &+ 0x30
            remaining /= 10
            index -= 1
        }
        count += length
    }

    /// Appends an amount given in cents: `1234.56`, or German `1.234,56` (quoted, as it holds a comma).
    func amount(cents: Int, german: Bool) {
        let units = cents / 100
        let fraction = cents % 100
        guard german else {
            integer(units)
            byte(UInt8(ascii: "."))
            integer(fraction, width: 2)
            return
        }
        byte(0x22)
        if units >= 1000 {
            integer(units / 1000)
            byte(UInt8(ascii: "."))
            integer(units % 1000, width: 3)
        } else {
            integer(units)
        }
        byte(UInt8(ascii: ","))
        integer(fraction, width: 2)
        byte(0x22)
    }

    /// Appends a date: `yyyy-MM-dd`, `dd.MM.yyyy` or `yyyyMMdd`.
    func date(_ days: Int32, style: GeneratedDateStyle) {
        let (year, month, day) = CalendarDate.civil(days)
        switch style {
        case .iso:
            integer(year, width: 4)
            byte(UInt8(ascii: "-"))
            integer(month, width: 2)
            byte(UInt8(ascii: "-"))
            integer(day, width: 2)
        case .german:
            integer(day, width: 2)
            byte(UInt8(ascii: "."))
            integer(month, width: 2)
            byte(UInt8(ascii: "."))
            integer(year, width: 4)
        case .compact:
            integer(year, width: 4)
            integer(month, width: 2)
            integer(day, width: 2)
        }
    }

    /// Appends a timestamp given in seconds since the epoch (UTC) in one of three styles.
    func timestamp(_ seconds: Int64, style: GeneratedTimestampStyle) {
        let days = Int32(seconds / 86_400)
        let secondOfDay = Int(seconds % 86_400)
        let hour = secondOfDay / 3600
        let minute = secondOfDay / 60 % 60
        let second = secondOfDay % 60
        switch style {
        case .iso:
            date(days, style: .iso)
            byte(UInt8(ascii: "T"))
        case .space:
            date(days, style: .iso)
            byte(UInt8(ascii: " "))
        case .german:
            date(days, style: .german)
            byte(UInt8(ascii: " "))
        }
        integer(hour, width: 2)
        byte(UInt8(ascii: ":"))
        integer(minute, width: 2)
        if style != .german {
            byte(UInt8(ascii: ":"))
            integer(second, width: 2)
        }
        if style == .iso { byte(UInt8(ascii: "Z")) }
    }

    // MARK: - Rows and flushing

    /// Ends a row with a line feed and flushes when the buffer is nearly full.
    @inline(__always)
    func endRow() throws {
        byte(0x0A)
        rows += 1
        if count >= Self.capacity { try flush() }
    }

    /// Writes the buffered bytes out.
    func flush() throws {
        guard count > 0 else { return }
        guard descriptor >= 0 else {
            memory.append(contentsOf: UnsafeBufferPointer(start: buffer, count: count))
            count = 0
            return
        }
        var written = 0
        while written < count {
            let result = write(descriptor, buffer + written, count - written)
            if result < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw PipelineError(.io, "cannot write \(path ?? "output"): \(reason); check free disk space")
            }
            written += result
        }
        count = 0
    }

    /// Appends raw bytes of any length, flushing as needed (rows collected in memory).
    func append(contentsOf values: [UInt8], rows addedRows: Int) throws {
        var offset = 0
        while offset < values.count {
            let chunk = min(Self.rowLimit, values.count - offset)
            values.withUnsafeBufferPointer { source in
                guard let base = source.baseAddress else { return }
                (buffer + count).update(from: base + offset, count: chunk)
            }
            count += chunk
            offset += chunk
            if count >= Self.capacity { try flush() }
        }
        rows += addedRows
    }

    /// Flushes and closes the file.
    func finish() throws {
        try flush()
    }
}

/// How a generated date is written.
enum GeneratedDateStyle {
    case iso, german, compact
}

/// How a generated timestamp is written.
enum GeneratedTimestampStyle {
    case iso, space, german
}
