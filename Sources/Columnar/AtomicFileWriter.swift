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
/// With `fillsInParallel`, large writes (a column buffer of a big table) go through a shared mapping of the file
/// instead of `write`: a window of the file is preallocated, mapped, and filled on two threads. Filling new
/// page-cache pages is most of the cost of writing a checkpoint, and `write` takes one writer per file at a time
/// while page faults on a mapping are taken on both cores; but a page first touched through a mapping is zeroed
/// before it is filled, so this pays only when the second core would otherwise be idle (the one big table a stage
/// writes at its end), not for files written side by side. It is used only on file systems that overwrite blocks
/// in place (ext4, XFS, tmpfs), where filling a preallocated window cannot run out of space (on a copy-on-write or
/// network file system that would be a fault, not an error). Where the file system cannot preallocate or map, or a
/// window does not fit on the disk, the writer falls back to `write` (which reports a disk that is really full).
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
    /// Bytes of them copied into the file through a mapping (0 without `fillsInParallel`, on a file system that is
    /// not known to overwrite in place, or after a window could not be preallocated or mapped).
    public private(set) var mappedByteCount = 0

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

    /// Writes of at least this many bytes are copied into a mapping of the file, on two threads.
    static let mappedWriteThreshold = 4 << 20
    /// The span of the file preallocated and mapped at a time for such writes.
    static let windowSize = 64 << 20

    /// The mapped window of the file, its first byte's offset in the file, and the end of the file as extended by
    /// preallocation (cut back to `fileBytes` at commit).
    private var window: UnsafeMutableRawPointer?
    private var windowStart = 0
    private var preallocatedEnd = 0
    /// Set without `fillsInParallel`, or once the file system refused to preallocate or map: every write then goes
    /// through `write`.
    private var mappingUnavailable: Bool

    /// Creates the temporary file next to `path` (the directory must exist); `checksum` is the algorithm of the
    /// checksum `commit()` returns; with `fillsInParallel`, large writes are copied into the file on two threads.
    public init(path: String, checksum: ChecksumAlgorithm = .xxh64, fillsInParallel: Bool = false)
        throws(ColumnarError)
    {
        self.path = path
        mappingUnavailable = !fillsInParallel
        hasher = ChecksumHasher(checksum)
        let (directory, name) = Self.split(path)
        temporaryPath = (directory.map { $0 + "/" } ?? "") + ".\(name).tmp-\(getpid())"
        descriptor = open(temporaryPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ColumnarError(
                .io,
                "cannot create temporary file \(temporaryPath): \(systemErrorText()); check that the directory "
                    + "exists and is writable", path: path)
        }
        // Only where a preallocated block is overwritten in place: on a copy-on-write or network file system a full
        // disk would be a fault while filling the mapping, not an error.
        if fillsInParallel && segpipe_overwrites_in_place(descriptor) == 0 { mappingUnavailable = true }
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 64)
    }

    deinit {
        unmapWindow()
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

    /// Flushes, unmaps the window and cuts off what was preallocated past the bytes written, fsyncs and closes the
    /// temporary file, renames it onto `path`, fsyncs the directory, and returns the checksum of the contents.
    @discardableResult
    public func commit() throws(ColumnarError) -> Checksum {
        precondition(!isFinished, "commit() called twice or after abandon()")
        do throws(ColumnarError) {
            try flush()
            unmapWindow()
            if preallocatedEnd > fileBytes && ftruncate(descriptor, off_t(fileBytes)) != 0 {
                throw ColumnarError(
                    .io, "cannot cut \(temporaryPath) to its length: \(systemErrorText())", path: path)
            }
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
        unmapWindow()
        close(descriptor)
        unlink(temporaryPath)
    }

    /// Whether writers with `fillsInParallel` fill their files in `directory` through a mapping: true where its file
    /// system overwrites blocks in place (ext4, XFS, tmpfs).
    public static func mapsFiles(in directory: String) -> Bool {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return segpipe_overwrites_in_place(descriptor) != 0
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
        if bytes.count >= Self.mappedWriteThreshold && !mappingUnavailable {
            offset = writeMapped(bytes)
        }
        while offset < bytes.count {
            // At an explicit offset: preallocation moves the end of the file past the bytes written so far.
            let written = pwrite(descriptor, base + offset, bytes.count - offset, off_t(fileBytes))
            if written < 0 {
                if errno == EINTR { continue }
                throw ColumnarError(
                    .io, "cannot write \(temporaryPath): \(systemErrorText()); check free disk space", path: path)
            }
            offset += written
            fileBytes += written
            requestWriteback()
        }
    }

    /// Copies as much of `bytes` as the file system allows into mapped windows of the file, two threads filling
    /// each; returns how many bytes were written (all of them unless mapping became unavailable).
    private func writeMapped(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var offset = 0
        while offset < bytes.count {
            if window == nil || fileBytes >= windowStart + Self.windowSize {
                guard mapWindow(at: fileBytes) else { break }
            }
            guard let window else { break }
            let count = min(bytes.count - offset, windowStart + Self.windowSize - fileBytes)
            segpipe_copy_in_halves(window + (fileBytes - windowStart), base + offset, count, Self.mappedWriteThreshold)
            offset += count
            fileBytes += count
            mappedByteCount += count
            requestWriteback()
        }
        return offset
    }

    /// Preallocates and maps the window of the file holding `position`; false (and no more mapping for this file)
    /// where the file system cannot preallocate or map, or the window does not fit on the disk.
    private func mapWindow(at position: Int) -> Bool {
        unmapWindow()
        let start = position & ~(Int(sysconf(Int32(_SC_PAGESIZE))) - 1)
        // Recorded first: a preallocation that fails may still have made the file longer, which commit cuts back.
        preallocatedEnd = max(preallocatedEnd, start + Self.windowSize)
        guard segpipe_preallocate(descriptor, Int64(start), Int64(Self.windowSize)) == 0 else {
            mappingUnavailable = true
            return false
        }
        let mapped = mmap(nil, Self.windowSize, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, off_t(start))
        guard let mapped, mapped != MAP_FAILED else {
            mappingUnavailable = true
            return false
        }
        window = mapped
        windowStart = start
        return true
    }

    private func unmapWindow() {
        guard let mapped = window else { return }
        munmap(mapped, Self.windowSize)
        window = nil
    }

    /// Asks the kernel to start writing back every ``writebackInterval`` bytes.
    private func requestWriteback() {
        guard fileBytes - writebackRequested >= Self.writebackInterval else { return }
        // Advisory: a failure here changes nothing (commit's fsync reports real write errors).
        _ = segpipe_start_writeback(descriptor, Int64(writebackRequested), Int64(fileBytes - writebackRequested))
        writebackRequested = fileBytes
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
