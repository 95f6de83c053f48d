internal import CFileSync

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file crash-safely: the bytes go to a temporary file in the same directory, which is fsynced
/// and then renamed onto the final name, and the directory is fsynced.
///
/// A crash at any point leaves either the previous file or the complete new one under the final name,
/// never a partial file. Small writes are buffered into large ones, and the checksum of everything written
/// (XXH64 unless asked for SHA-256) is computed on the way. Every ``writebackInterval`` bytes the kernel is asked
/// to start writing the pages out (without waiting), so the disk works while the caller computes and the final
/// fsync has little left to do. If the writer is discarded without `commit()`, the temporary file is removed.
///
/// ```swift
/// let writer = try AtomicFileWriter(path: "checkpoints/run/stage/_manifest.json")
/// try writer.write(Array(json.utf8))
/// let checksum = try writer.commit()  // xxh64:…
/// ```
public final class AtomicFileWriter {
    /// The final path.
    public let path: String
    /// The temporary file written until `commit()`: `.<name>.tmp-<pid>` next to `path`.
    public let temporaryPath: String
    /// Bytes written so far.
    public private(set) var byteCount = 0

    private var descriptor: Int32
    private var hasher: ChecksumHasher
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private var isFinished = false

    /// Writes larger than this go straight to the file after flushing the buffer.
    private static let bufferSize = 1 << 20

    /// Bytes handed to the file between requests to start writing them back (32 MiB).
    static let writebackInterval = 32 << 20

    /// Bytes handed to the file so far, and how many of them writeback was started for.
    private var fileBytes = 0
    private var writebackRequested = 0

    /// Creates the temporary file next to `path` (the directory must exist); `checksum` is the algorithm of the
    /// checksum `commit()` returns.
    public init(path: String, checksum: ChecksumAlgorithm = .xxh64) throws(ColumnarError) {
        self.path = path
        hasher = ChecksumHasher(checksum)
        let (directory, name) = Self.split(path)
        temporaryPath = (directory.map { $0 + "/" } ?? "") + ".\(name).tmp-\(getpid())"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ColumnarError(
                .io,
                "cannot create temporary file \(temporaryPath): \(systemErrorText()); check that the directory "
                    + "exists and is writable", path: path)
        }
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 64)
    }

    deinit {
        if !isFinished {
            close(descriptor)
            unlink(temporaryPath)
        }
        buffer.deallocate()
    }

    /// Appends bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ColumnarError) {
        precondition(!isFinished, "write after commit() or abandon()")
        guard !bytes.isEmpty else { return }
        hasher.update(bytes)
        byteCount += bytes.count
        if buffered + bytes.count <= buffer.count {
            UnsafeMutableRawBufferPointer(rebasing: buffer[buffered..<(buffered + bytes.count)]).copyMemory(from: bytes)
            buffered += bytes.count
            return
        }
        try flush()
        if bytes.count >= buffer.count / 2 {
            try writeFully(bytes)
        } else {
            UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count]).copyMemory(from: bytes)
            buffered = bytes.count
        }
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws(ColumnarError) {
        let written = bytes.withUnsafeBytes { raw in Result { () throws(ColumnarError) in try write(raw) } }
        try written.get()
    }

    /// Appends `count` zero bytes.
    public func writeZeros(_ count: Int) throws(ColumnarError) {
        let zeros = [UInt8](repeating: 0, count: count)
        try write(zeros)
    }

    /// Flushes, fsyncs and closes the temporary file, renames it onto `path`, fsyncs the directory,
    /// and returns the checksum of the contents.
    @discardableResult
    public func commit() throws(ColumnarError) -> Checksum {
        precondition(!isFinished, "commit() called twice or after abandon()")
        do throws(ColumnarError) {
            try flush()
            guard fsync(descriptor) == 0 else {
                throw ColumnarError(.io, "cannot fsync \(temporaryPath): \(systemErrorText())", path: path)
            }
        } catch {
            abandon()
            throw error
        }
        isFinished = true
        let closed = close(descriptor)
        guard closed == 0 else {
            let text = systemErrorText()
            unlink(temporaryPath)
            throw ColumnarError(.io, "cannot close \(temporaryPath): \(text)", path: path)
        }
        guard rename(temporaryPath, path) == 0 else {
            let text = systemErrorText()
            unlink(temporaryPath)
            throw ColumnarError(.io, "cannot rename \(temporaryPath) onto the final name: \(text)", path: path)
        }
        try Self.syncDirectory(of: path)
        return hasher.finalize()
    }

    /// Closes and removes the temporary file, leaving any existing file at `path` untouched.
    public func abandon() {
        guard !isFinished else { return }
        isFinished = true
        close(descriptor)
        unlink(temporaryPath)
    }

    /// Writes `bytes` to `path` crash-safely and returns their checksum.
    @discardableResult
    public static func write(_ bytes: [UInt8], to path: String, checksum: ChecksumAlgorithm = .xxh64)
        throws(ColumnarError) -> Checksum
    {
        let writer = try AtomicFileWriter(path: path, checksum: checksum)
        try writer.write(bytes)
        return try writer.commit()
    }

    // MARK: - Internals

    private func flush() throws(ColumnarError) {
        guard buffered > 0 else { return }
        try writeFully(UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]))
        buffered = 0
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws(ColumnarError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw ColumnarError(
                    .io, "cannot write \(temporaryPath): \(systemErrorText()); check free disk space", path: path)
            }
            offset += written
        }
        fileBytes += bytes.count
        if fileBytes - writebackRequested >= Self.writebackInterval {
            // Advisory: a failure here changes nothing (commit's fsync reports real write errors).
            _ = segpipe_start_writeback(descriptor, Int64(writebackRequested), Int64(fileBytes - writebackRequested))
            writebackRequested = fileBytes
        }
    }

    private static func split(_ path: String) -> (directory: String?, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (nil, path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// Fsyncs the directory holding `path` so the rename itself is durable.
    static func syncDirectory(of path: String) throws(ColumnarError) {
        let directory = split(path).directory ?? "."
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ColumnarError(.io, "cannot open directory \(directory) to fsync it: \(systemErrorText())", path: path)
        }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 && errno != EINVAL && errno != ENOTSUP {
            throw ColumnarError(.io, "cannot fsync directory \(directory): \(systemErrorText())", path: path)
        }
    }
}

/// The C `write`, which `AtomicFileWriter.write` hides inside the class.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
