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
    /// The open file (for dropping its pages from the page cache), -1 for an empty file.
    private let descriptor: Int32

    /// Maps the file at `path`.
    init(path: String) throws(ColumnarError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ColumnarError(.io, "cannot open file: \(systemErrorText())", path: path)
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let text = systemErrorText()
            close(descriptor)
            throw ColumnarError(.io, "cannot stat file: \(text)", path: path)
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            close(descriptor)
            self.descriptor = -1
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            let text = systemErrorText()
            close(descriptor)
            throw ColumnarError(.io, "cannot map file into memory: \(text)", path: path)
        }
        self.descriptor = descriptor
        mapping = address
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// Drops the process's mapping of the whole pages inside `range` (byte offsets) once they have been read: the
    /// file stays in the page cache, so a later read of them faults the same bytes back in, but they no longer count
    /// towards the process's resident memory. Streaming a file larger than memory through the mapping stays bounded.
    ///
    /// With `fromPageCache`, for bytes read for the last time, the whole pages are then dropped from the page cache
    /// as well (`posix_fadvise` `POSIX_FADV_DONTNEED`; the kernel keeps pages that are dirty or mapped elsewhere), so
    /// the memory goes back to the kernel's free lists at once. Pages written next (the reading stage's own
    /// checkpoint) are then most likely those, recently used, instead of memory the system has not touched for a
    /// while: on a virtual machine whose host takes back memory the guest leaves free (free page reporting), first
    /// touching such memory costs a fault on the host (a million-customer dedupe took 2.2 s instead of 1.3 s).
    func release(_ range: Range<Int>, fromPageCache: Bool = false) {
        guard let mapping, !range.isEmpty else { return }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + pageSize - 1) / pageSize * pageSize
        let end = range.upperBound == bytes.count ? range.upperBound : range.upperBound / pageSize * pageSize
        guard end > start else { return }
        #if canImport(Glibc) || canImport(Musl)
            _ = madvise(mapping + start, end - start, Int32(MADV_DONTNEED))
            if fromPageCache {
                _ = posix_fadvise(descriptor, off_t(start), off_t(end - start), POSIX_FADV_DONTNEED)
            }
        #endif
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
        if descriptor >= 0 { close(descriptor) }
    }
}
