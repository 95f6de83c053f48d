/// Byte-level text helpers for CSV fields: UTF-8 validation and single-byte encodings to UTF-8.
enum CSVText {
    /// Unicode scalars of Windows-1252 bytes 0x80–0x9F (the five unassigned bytes map to the C1 controls,
    /// as the WHATWG encoding standard does); every other byte equals its Latin-1 scalar.
    static let windows1252High: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// Largest number of UTF-8 bytes one source byte becomes.
    static func maximumExpansion(_ encoding: CSVEncoding) -> Int {
        switch encoding {
        case .utf8: 1
        case .latin1: 2
        case .windows1252: 3
        }
    }

    /// Writes the UTF-8 form of one non-ASCII byte of a single-byte encoding; returns the bytes written.
    @inline(__always)
    static func writeUTF8(ofHighByte byte: UInt8, encoding: CSVEncoding, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var scalar = UInt32(byte)
        if encoding == .windows1252 && byte < 0xA0 {
            scalar = UInt32(windows1252High[Int(byte &- 0x80)])
        }
        if scalar < 0x800 {
            out[0] = UInt8(0xC0 | (scalar >> 6))
            out[1] = UInt8(0x80 | (scalar & 0x3F))
            return 2
        }
        out[0] = UInt8(0xE0 | (scalar >> 12))
        out[1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
        out[2] = UInt8(0x80 | (scalar & 0x3F))
        return 3
    }

    /// Whether any byte has its high bit set.
    @inline(__always)
    static func containsNonASCII(_ start: UnsafePointer<UInt8>, count: Int) -> Bool {
        var index = 0
        while index + 8 <= count {
            let word = UnsafeRawPointer(start + index).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { return true }
            index += 8
        }
        while index < count {
            if start[index] >= 0x80 { return true }
            index += 1
        }
        return false
    }

    /// Whether the bytes are well-formed UTF-8 (no overlong forms, surrogates or scalars above U+10FFFF).
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = bytes.baseAddress else { return true }
        let count = bytes.count
        // Most records are ASCII: eight bytes at a time, the last eight overlapping, before the full check.
        if count >= 8 {
            let raw = UnsafeRawPointer(start)
            var highBits = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            var offset = 0
            while offset + 8 <= count {
                highBits |= raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            if highBits & 0x8080_8080_8080_8080 == 0 { return true }
        }
        var index = 0
        while index < count {
            if index + 8 <= count {
                let word = UnsafeRawPointer(start + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
            }
            let lead = start[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard index + length <= count else { return false }
            let second = start[index + 1]
            guard second >= lower && second <= upper else { return false }
            var continuation = 2
            while continuation < length {
                guard start[index + continuation] & 0xC0 == 0x80 else { return false }
                continuation += 1
            }
            index += length
        }
        return true
    }

    /// Decodes bytes of the given encoding into a string; invalid UTF-8 is repaired with U+FFFD.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, encoding: CSVEncoding) -> String {
        guard encoding != .utf8, let start = bytes.baseAddress, containsNonASCII(start, count: bytes.count) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count * 3 + 1) { out in
            guard let outStart = out.baseAddress else { return "" }
            var written = 0
            for byte in bytes {
                if byte < 0x80 {
                    outStart[written] = byte
                    written += 1
                } else {
                    written += writeUTF8(ofHighByte: byte, encoding: encoding, to: outStart + written)
                }
            }
            return String(decoding: UnsafeBufferPointer(start: outStart, count: written), as: UTF8.self)
        }
    }
}
