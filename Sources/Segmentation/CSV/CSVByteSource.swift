import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The C library's `read`, named apart from ``CSVByteSource/read(into:count:)``.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.read(descriptor, buffer, count)
    #else
        Darwin.read(descriptor, buffer, count)
    #endif
}

/// Where a CSV reader's bytes come from: a file descriptor, or the output of `gzip -dc` for `.gz` files.
final class CSVByteSource {
    let path: String
    /// The file itself; for `.gz` files also `gzip`'s standard input, which shares its offset with this descriptor.
    private let file: Int32
    /// Where the (decompressed) bytes are read from: `file`, or the read end of the pipe from `gzip`.
    private let descriptor: Int32
    private let process: Process?
    private let pipe: Pipe?

    /// Opens `path`; a name ending in `.gz` is decompressed through the system `gzip` as it is read.
    ///
    /// `offset` starts reading a plain file part-way (for reading one file in parts); it must be 0 for `.gz`.
    init(path: String, offset: Int64 = 0) throws {
        self.path = path
        let fileDescriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard fileDescriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw CSVError(.io, "cannot open the file: \(reason); check the path and its permissions", path: path)
        }
        file = fileDescriptor
        guard path.hasSuffix(".gz") else {
            if offset > 0, lseek(fileDescriptor, off_t(offset), SEEK_SET) < 0 {
                let reason = String(cString: strerror(errno))
                close(fileDescriptor)
                throw CSVError(.io, "cannot seek in the file: \(reason)", path: path)
            }
            descriptor = fileDescriptor
            process = nil
            pipe = nil
            #if os(Linux)
                _ = posix_fadvise(fileDescriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
            #endif
            return
        }
        precondition(offset == 0, "a .gz file can only be read from its start")
        let gzip = ["/usr/bin/gzip", "/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let gzip else {
            close(fileDescriptor)
            throw CSVError(.decompression, "cannot read a .gz file: gzip is not installed; install gzip", path: path)
        }
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: gzip)
        // gzip reads the file through a duplicate of our descriptor, so `fileOffset` follows its progress.
        process.arguments = ["-dc"]
        process.standardInput = FileHandle(fileDescriptor: fileDescriptor, closeOnDealloc: false)
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            close(fileDescriptor)
            throw CSVError(.decompression, "cannot start gzip to decompress the file", path: path, underlying: error)
        }
        self.process = process
        self.pipe = pipe
        descriptor = pipe.fileHandleForReading.fileDescriptor
    }

    /// Bytes of the file on disk consumed so far, for progress.
    ///
    /// Compressed bytes for `.gz` files (as far as `gzip` has read), otherwise as far as this source has read.
    /// One system call: ask once per block of records, not per record.
    var fileOffset: Int64 {
        max(Int64(lseek(file, 0, SEEK_CUR)), 0)
    }

    /// Reads until `count` bytes are read or the input ends; returns the number of bytes read (0 at the end).
    func read(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        var total = 0
        while total < count {
            let result = systemRead(descriptor, destination + total, count - total)
            if result > 0 {
                total += result
            } else if result == 0 {
                break
            } else if errno != EINTR {
                let reason = String(cString: strerror(errno))
                throw CSVError(.io, "reading failed: \(reason)", path: path)
            }
        }
        return total
    }

    /// Checks, after the last byte, that the decompressor (if any) exited cleanly.
    func finish() throws {
        guard let process else { return }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CSVError(
                .decompression,
                "gzip exited with status \(process.terminationStatus): the archive is corrupt or truncated",
                path: path)
        }
    }

    deinit {
        if let process {
            if process.isRunning { process.terminate() }
            try? pipe?.fileHandleForReading.close()
        }
        close(file)
    }
}
