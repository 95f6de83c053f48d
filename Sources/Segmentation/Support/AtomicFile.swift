import Columnar
import Foundation

/// Writes small files crash-safely (temporary name, fsync, rename) through Columnar's atomic writer.
enum AtomicFile {
    /// Replaces the file at `path` with `data`; a crash leaves either the old or the new file, never a mix.
    static func write(_ data: Data, to path: String) throws(PipelineError) {
        do {
            _ = try AtomicFileWriter.write([UInt8](data), to: path)
        } catch {
            throw PipelineError(.io, "cannot write \(path)", underlying: error)
        }
    }
}
