#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when released.
final class MappedFile {
    /// The file's bytes; valid while this object lives.
    let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?

    /// Maps the file at `path`.
    init(path: String) throws(ColumnarError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ColumnarError(.io, "cannot open file: \(systemErrorText())", path: path)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ColumnarError(.io, "cannot stat file: \(systemErrorText())", path: path)
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw ColumnarError(.io, "cannot map file into memory: \(systemErrorText())", path: path)
        }
        mapping = address
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// Drops the process's mapping of the whole pages inside `range` (byte offsets) once they have been read: the
    /// file stays in the page cache, so a later read of them faults the same bytes back in, but they no longer count
    /// towards the process's resident memory. Streaming a file larger than memory through the mapping stays bounded.
    func release(_ range: Range<Int>) {
        guard let mapping, !range.isEmpty else { return }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + pageSize - 1) / pageSize * pageSize
        let end = range.upperBound == bytes.count ? range.upperBound : range.upperBound / pageSize * pageSize
        guard end > start else { return }
        #if canImport(Glibc) || canImport(Musl)
            _ = madvise(mapping + start, end - start, Int32(MADV_DONTNEED))
        #endif
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
    }
}
