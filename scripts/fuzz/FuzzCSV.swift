import Foundation

/// libFuzzer entry point for the CSV reader: the input is written to a temporary file and read with
/// every dialect, several chunk sizes and a small record limit, touching every field and the raw line.
///
/// The first byte of the input picks the chunk size, so chunk boundaries fall everywhere; a thrown
/// `CSVError` is an expected outcome, a trap or a sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVReader(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let path = NSTemporaryDirectory() + "segpipe-fuzz-\(getpid()).csv"
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return 0 }
    defer { unlink(path) }
    let chunkSizes = [4, 7, 64, 4096]
    let chunkSize = chunkSizes[Int(bytes.first ?? 0) % chunkSizes.count]
    let dialects: [CSVDialect] = [
        .rfc4180, .germanExcel, .tabSeparated,
        CSVDialect(hasHeader: false), CSVDialect(delimiter: UInt8(ascii: "|"), encoding: .latin1),
        CSVDialect(quote: UInt8(ascii: "'")),
    ]
    for dialect in dialects {
        do {
            let reader = try CSVReader(path: path, dialect: dialect, chunkSize: chunkSize, maximumRecordSize: 256)
            _ = reader.header.joined()
            try reader.forEachRecord { record in
                var total = 0
                for index in 0..<record.fieldCount { total &+= record.field(index).count }
                if record.fieldCount > 0 { _ = record.string(at: record.fieldCount - 1) }
                _ = record.isValidUTF8
                _ = record.rawLineText()
                _ = total
            }
        } catch {
            continue
        }
    }
    return 0
}
